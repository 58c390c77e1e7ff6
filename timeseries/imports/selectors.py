"""What the import pages and the admin read about jobs: which jobs a user may see, and how a job is described."""

from datetime import timedelta
from urllib.parse import quote, urlencode

from django.db.models import QuerySet

from ..coverage import series_api_path
from ..models import ImportJob


def import_jobs_visible_to(user) -> QuerySet[ImportJob]:
    """The jobs a user may see: all of them with the view permission, otherwise their own."""
    if user.has_perm("timeseries.view_importjob"):
        return ImportJob.objects.all()
    return ImportJob.objects.filter(created_by=user)


def import_job_written_links(job: ImportJob) -> list[dict]:
    """Each range the job wrote, with the API URL that reads it back."""
    links = []
    for item in job.written or []:
        if "meter" in item:  # a meter's reading stream: its usage segments
            query = {
                "meter_numbers": item["meter"],
                "reading_formats": item.get("reading_format", ""),
                "reading_validity": item.get("validity", ""),
                "directions": item.get("direction", ""),
                "after": item.get("start", ""),
                "before": item.get("end", ""),
            }
            url = f"/production-projects/{quote(item.get('project', ''), safe='')}/usage-segments?{urlencode(query)}"
            links.append({**item, "url": url})
            continue
        psr, quantity, timeframe = item.get("psr", ""), item.get("quantity", ""), item.get("timeframe", "")
        url = series_api_path(
            psr_id=psr, quantity=quantity, timeframe=timeframe, start=item.get("start", ""), end=item.get("end", "")
        )
        links.append({"label": f"{psr} {quantity} ({timeframe})", **item, "url": url})
    return links


def duration_text(duration: timedelta | None) -> str:
    """A job's duration as people read it: "1 h 02 min 03 s", "4 min 05 s", "6 s"."""
    if duration is None:
        return ""
    seconds = int(duration.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min {seconds:02d} s"
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"
