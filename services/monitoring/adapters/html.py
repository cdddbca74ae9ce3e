"""The status pages: monitoring's answers rendered to HTML (Jinja2, autoescaped, no external assets)."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.common.timestamps import in_province
from services.monitoring.domain.progress import OrganisationProgress, ProvinceProgress, WaveProgress
from services.monitoring.domain.report import DOWNTIME_COLUMN, QuarterlyReport, downtime_cell
from services.monitoring.domain.status_page import REFRESH_SECONDS, STATE_LABELS

TEMPLATES = Path(__file__).parents[1] / "templates"
_ENVIRONMENT = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def render(template: str, **context: Any) -> str:
    return _ENVIRONMENT.get_template(template).render(**context)


def overview_page(province: ProvinceProgress) -> str:
    return _page("overview.html", "全省系统迁移上云总览", rows=province.organisations, totals=province.totals)


def organisation_page(organisation: OrganisationProgress) -> str:
    title = f"{organisation.organisation_code} 系统迁移上云进度"
    return _page(
        "systems.html", title, rows=organisation.systems, summary=organisation.summary, resources=organisation.resources
    )


def wave_page(wave: WaveProgress) -> str:
    title = f"迁移批次「{wave.summary['name']}」进度"
    return _page("systems.html", title, rows=wave.systems, summary=None, wave=wave.summary)


def report_page(report: QuarterlyReport) -> str:
    title = f"{report.organisation_code} {report.quarter} 季度报送"
    return _page(
        "report.html",
        title,
        report=report,
        labels=STATE_LABELS,
        downtime_column=DOWNTIME_COLUMN,
        downtime=downtime_cell,
    )


def _page(template: str, title: str, **context: object) -> str:
    generated = in_province(datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S 北京时间")
    return render(template, title=title, refresh=REFRESH_SECONDS, generated=generated, **context)
