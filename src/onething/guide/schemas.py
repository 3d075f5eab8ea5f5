"""Guide API bodies. The response is the engine's ``Guide`` dataclass, serialised as is."""

from __future__ import annotations

from pydantic import BaseModel, Field


class GuideRequest(BaseModel):
    answers: dict[str, str | list[str]] = Field(
        default_factory=dict, description="问题编码 → 选项编码（多选题为选项编码列表）"
    )
    region: str | None = Field(default=None, pattern=r"^\d{6}$", description="办理地区划代码，如 430102")
