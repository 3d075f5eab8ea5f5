"""Masking of ID numbers, phones, addresses and names, in values, free text and log records."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

import pytest

from onething.kit import masking
from onething.kit.masking import (
    MaskingFilter,
    install_log_masking,
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
)

ID = "430102199001011234"
ID_MASKED = "4301**********1234"
ID_X = "11010519491231002X"
OLD_ID = "430102900101123"
MOBILE = "13812345678"
MOBILE_MASKED = "138****5678"
CASE_NUMBER = "43010420261122000001"  # 20 digits: not an ID number, left alone


# --- single values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        (ID, ID_MASKED),
        (ID_X, "1101**********002X"),
        (ID_X.lower(), "1101**********002x"),
        (f" {ID} ", ID_MASKED),
        (OLD_ID, "4301********123"),
        (None, ""),
        ("", ""),
        ("1", "*"),
        ("12", "**"),
        ("123", "1**"),
        ("12345", "1****"),
        ("1234567890", "12********"),
        ("43010219900101123", "43***************"),  # 17 characters: a typo, still masked
    ],
)
def test_mask_id_number(value: str | None, masked: str) -> None:
    assert mask_id_number(value) == masked


def test_mask_id_number_never_returns_the_value() -> None:
    for n in range(1, 30):
        value = "9" * n
        result = mask_id_number(value)
        assert result != value
        assert "*" in result


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        (MOBILE, MOBILE_MASKED),
        ("138 1234 5678", MOBILE_MASKED),
        ("138-1234-5678", MOBILE_MASKED),
        ("+86 138 1234 5678", "+86" + MOBILE_MASKED),
        ("0731-88881234", "0731-******34"),
        ("073188881234", "0731******34"),  # four-digit area code
        ("01088881234", "010******34"),  # Beijing: three-digit area code
        ("021-6888123", "021-*****23"),
        ("0731-88881234-802", "0731-******34-***"),  # the extension is masked too
        ("12345", "1****"),
        ("1", "*"),
        ("call me maybe", "ca***********"),
        (None, ""),
        ("", ""),
    ],
)
def test_mask_phone(value: str | None, masked: str) -> None:
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("湖南省长沙市岳麓区麓山南路 932 号", "湖南省长沙市岳麓区****"),
        ("北京市朝阳区建国路 88 号", "北京市朝阳区****"),
        ("长沙县星沙街道 1 号", "长沙县****"),
        ("内蒙古自治区呼和浩特市新城区", "内蒙古自治区呼和浩特市****"),  # the last marker within 12 characters
        ("湘西土家族苗族自治州吉首市人民路", "湘西土家族苗族自治州****"),
        ("锡林郭勒盟正蓝旗上都镇", "锡林郭勒盟正蓝旗****"),
        ("长沙市阳光小区 5 栋 301", "长沙市****"),  # 小区 is not a district
        ("长沙市芙蓉区某某社区", "长沙市芙蓉区****"),
        ("湖南省长沙市", "湖南省长沙市****"),
        ("麓山南路 932 号湖南大学", "麓山南路 9****"),  # no administrative part: first 6 characters
        ("某某路 12 号", "某某****"),  # short: first 2 characters
        ("长沙", "长****"),
        ("岳", "****"),
        (None, ""),
        ("", ""),
    ],
)
def test_mask_address(value: str | None, masked: str) -> None:
    assert mask_address(value) == masked


def test_mask_address_ignores_markers_after_the_first_12_characters() -> None:
    assert mask_address("某某路某某巷某某号院内某某楼区") == "某某路某某巷****"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("张三", "张*"),
        ("欧阳修", "欧**"),
        (" 李四 ", "李*"),
        ("张", "*"),
        ("买买提·艾力", "买*****"),
        (None, ""),
        ("", ""),
    ],
)
def test_mask_name(value: str | None, masked: str) -> None:
    assert mask_name(value) == masked


# --- free text ----------------------------------------------------------------------------------


def test_mask_text_masks_every_number_in_mixed_chinese_text() -> None:
    text = (
        f"申请人身份证{ID}已登记，配偶身份证号：{ID_X}；旧证{OLD_ID}。"
        f"联系电话{MOBILE}或+8613912345678，备用 15000000000。"
    )
    assert mask_text(text) == (
        f"申请人身份证{ID_MASKED}已登记，配偶身份证号：1101**********002X；旧证4301********123。"
        f"联系电话{MOBILE_MASKED}或+86139****5678，备用 150****0000。"
    )


def test_mask_text_masks_numbers_adjacent_to_letters_and_punctuation() -> None:
    assert mask_text(f"身份证{ID}已登记") == f"身份证{ID_MASKED}已登记"
    assert mask_text(f"id={ID.lower()[:17]}x,tel={MOBILE};") == f"id={ID_MASKED[:17]}x,tel={MOBILE_MASKED};"
    assert mask_text(f"ID{ID}ABC") == f"ID{ID_MASKED}ABC"
    assert mask_text(f"({MOBILE})") == f"({MOBILE_MASKED})"
    assert mask_text(ID) == ID_MASKED
    assert mask_text(MOBILE) == MOBILE_MASKED


@pytest.mark.parametrize(
    "text",
    [
        f"案号{CASE_NUMBER}已受理",  # 20 digits
        "流水号 1234567890123456789 完成",  # 19 digits
        "编号 4301021990010112345678",  # an ID number inside a longer run
        "序列 1381234567890",  # a mobile inside a 13-digit run
        "订单 123456789012 与 1234567890123456",  # 12 and 16 digits
        "号码 12812345678",  # 11 digits but 12x is not a mobile prefix
        "时间戳 1732252800123",  # 13-digit milliseconds
        "短号 1381234567",  # 10 digits
    ],
)
def test_mask_text_leaves_other_digit_runs_alone(text: str) -> None:
    assert mask_text(text) == text


def test_mask_text_on_a_case_number_followed_by_an_id_number() -> None:
    text = f"案号{CASE_NUMBER}，当事人{ID}，电话{MOBILE}"
    assert mask_text(text) == f"案号{CASE_NUMBER}，当事人{ID_MASKED}，电话{MOBILE_MASKED}"


def test_mask_text_quick_path_returns_the_same_object() -> None:
    text = "2026-11-22 10:00:00 请求 /api/things/1234 用时 12.5ms，状态 200，用户 4242"
    assert mask_text(text) is text
    assert mask_text("") == ""
    assert mask_text("1381234567") == "1381234567"


def test_mask_text_is_idempotent() -> None:
    once = mask_text(f"身份证{ID}，手机{MOBILE}，旧证{OLD_ID}")
    assert mask_text(once) == once


def test_mask_text_is_fast_on_long_text_without_numbers() -> None:
    # Linear, no catastrophic backtracking: a long run of digits is handled in one pass.
    assert mask_text("9" * 100_000) == "9" * 100_000
    assert mask_text(("字" * 50 + "1234567890") * 2_000).count("*") == 0


# --- logging ------------------------------------------------------------------------------------


@pytest.fixture
def restore_record_factory() -> Iterator[None]:
    saved = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(saved)


@pytest.fixture
def masked_logging(restore_record_factory: None) -> Iterator[logging.Logger]:
    install_log_masking()
    yield logging.getLogger("onething.test")


def _assert_masked(caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    assert caplog.records
    for secret in secrets:
        assert secret not in caplog.text
        for record in caplog.records:
            assert secret not in record.getMessage()
            assert secret not in str(record.msg)
            assert secret not in repr(record.args)


def test_log_arguments_are_masked(masked_logging: logging.Logger, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="onething.test"):
        masked_logging.warning("查询 %s 的记录", ID)
    _assert_masked(caplog, ID)
    assert f"查询 {ID_MASKED} 的记录" in caplog.text
    assert caplog.records[0].getMessage() == f"查询 {ID_MASKED} 的记录"
    assert caplog.records[0].args == ()


def test_f_string_messages_are_masked(masked_logging: logging.Logger, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="onething.test"):
        masked_logging.info(f"手机 {MOBILE} 登录失败，身份证 {ID}，案号 {CASE_NUMBER}")
    _assert_masked(caplog, ID, MOBILE)
    assert caplog.records[0].getMessage() == f"手机 {MOBILE_MASKED} 登录失败，身份证 {ID_MASKED}，案号 {CASE_NUMBER}"


def test_exception_messages_are_masked(masked_logging: logging.Logger, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="onething.test"):
        try:
            raise ValueError(f"身份证 {ID} 与手机 {MOBILE} 不匹配")
        except ValueError as exc:
            masked_logging.exception("核验 %s 失败: %s", ID, exc)
    _assert_masked(caplog, ID, MOBILE)
    record = caplog.records[0]
    assert record.exc_info is not None and isinstance(record.exc_info[1], ValueError)  # untouched
    assert "Traceback" in caplog.text
    assert f"ValueError: 身份证 {ID_MASKED} 与手机 {MOBILE_MASKED} 不匹配" in caplog.text


def test_stack_info_is_masked(masked_logging: logging.Logger, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="onething.test"):
        masked_logging.warning("stack", stack_info=True)  # the stack shows this line's source: 18800000000
    assert "188****0000" in caplog.text
    assert "18800000000" not in caplog.text


def test_records_without_anything_to_mask_are_left_alone(
    masked_logging: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    payload = {"case": CASE_NUMBER}
    with caplog.at_level(logging.WARNING, logger="onething.test"):
        masked_logging.warning(payload)
        masked_logging.warning("%d%%", 50)
    assert caplog.records[0].msg is payload  # no arguments, nothing to mask: not even formatted
    assert caplog.records[1].msg == "50%"
    assert caplog.records[1].args == ()
    assert caplog.records[1].getMessage() == "50%"  # the formatted message is not formatted again


def test_broken_format_calls_do_not_leak(masked_logging: logging.Logger, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="onething.test"):
        masked_logging.warning("%s %s", ID)  # one argument short
    _assert_masked(caplog, ID)
    assert ID_MASKED in caplog.text


def test_install_is_idempotent(restore_record_factory: None) -> None:
    install_log_masking()
    factory = logging.getLogRecordFactory()
    install_log_masking()
    install_log_masking()
    assert logging.getLogRecordFactory() is factory
    assert isinstance(factory, masking._MaskingRecordFactory)
    assert not isinstance(factory.inner, masking._MaskingRecordFactory)


def test_masking_filter_on_a_handler(restore_record_factory: None) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(MaskingFilter())
    log = logging.getLogger("onething.test.filter")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("手机 %s", MOBILE)
        try:
            raise RuntimeError(f"旧证 {OLD_ID}")
        except RuntimeError:
            log.exception("出错了")
    finally:
        log.removeHandler(handler)
        log.propagate = True
    output = stream.getvalue()
    assert f"WARNING 手机 {MOBILE_MASKED}" in output
    assert "RuntimeError: 旧证 4301********123" in output
    assert MOBILE not in output
    assert OLD_ID not in output


def test_masking_filter_masks_a_traceback_already_cached_by_another_handler() -> None:
    try:
        raise RuntimeError(f"身份证 {ID}")
    except RuntimeError as exc:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "出错", (), (RuntimeError, exc, exc.__traceback__))
    logging.Formatter().format(record)  # caches record.exc_text, unmasked
    assert record.exc_text is not None and ID in record.exc_text
    assert MaskingFilter().filter(record)
    assert ID not in logging.Formatter().format(record)
    assert re.search(r"RuntimeError: 身份证 4301\*{10}1234", logging.Formatter().format(record))
