"""Print a guide on a terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from onething.guide.model import Guide


def print_guide(out: Console, g: Guide) -> None:
    out.rule(f"[bold]“{g.thing_name}”一次告知书[/bold]（目录版本 {g.catalog_version}）")
    for a in g.answers:
        out.print(f"  {a.text} [bold]{'、'.join(a.labels)}[/bold]")
    s = g.saving
    out.print(
        f"\n[bold]{len(g.items)}[/bold] 个事项一次办，[bold]{g.promised_days}[/bold] 个工作日内办结"
        + (f"（承诺 {g.published_promise} 个工作日）" if g.published_promise is not None else "")
        + f"，收费 {g.fee_yuan:.2f} 元，需提交材料 {s.materials_to_submit} 份，跑动 {s.visits_bundled} 次。"
    )
    saving = Table("", "逐项单独办理", "一件事一次办", title="联办节省")
    saving.add_row("跑动", f"{s.visits_alone} 次", f"{s.visits_bundled} 次")
    saving.add_row("材料", f"{s.materials_alone} 份", f"{s.materials_bundled} 份（需提交 {s.materials_to_submit} 份）")
    saving.add_row("表单", f"{s.forms_alone} 张 {s.fields_alone} 项", f"{s.forms_bundled} 张 {s.fields_bundled} 项")
    saving.add_row("时间", f"{s.days_alone} 个工作日", f"{s.days_bundled} 个工作日")
    out.print(saving)
    items = Table("事项", "部门", "时限", "时段", "原因", title="需要办理的事项")
    for i in g.items:
        mark = "★" if i.critical else ""
        items.add_row(
            f"{mark}{i.name}",
            i.org_name,
            f"{i.promised_days}/{i.legal_days}",
            f"{i.start_day}–{i.finish_day}",
            i.reason,
        )
    out.print(items)
    for e in g.excluded:
        out.print(f"  [dim]不需办理：{e.name} — {e.reason}[/dim]")
    mats = Table("#", "材料", "份数", "说明", title="材料清单")
    for n, m in enumerate(g.materials, start=1):
        note = ("[green]免提交[/green] " + (m.exempt_reason or "")) if m.exempt else (m.note or "")
        mats.add_row(str(n), m.name, f"{m.form_name}{m.copies}份", note)
    out.print(mats)
    for step in g.steps:
        out.print(f"{step.order}. [bold]{step.name}[/bold]：{step.detail}")
    out.print(f"办理地点：{g.hall}")
