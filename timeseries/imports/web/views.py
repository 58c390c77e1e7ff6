"""Human pages of imports: the upload form, the job list, a job's live page and status, its row errors as CSV."""

import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cdsc_site.api.errors import problem_response

from ...api.renderers import FORMULA_START
from ...models import ImportJob, ImportRowError
from ...quality_views import quality_url
from ..selectors import duration_text, import_job_written_links, import_jobs_visible_to
from ..services import (
    import_job_cancel,
    import_job_check_alive,
    import_job_create,
    import_job_enqueue,
    import_job_not_sent,
    import_job_retry,
)
from .forms import ImportUploadForm, UploadLimitHandler

JOBS_PER_PAGE = 25
ERRORS_ON_PAGE = 50
ERROR_COLUMNS = ["line", "column", "value", "reason"]
STAFF_ONLY = "Imports are for operator staff: ask an administrator for a staff account."
IMPORT_PERMISSION = (
    "Uploading files needs the permission 'Can upload files to import time series'; ask an administrator."
)


def _is_operator_staff(user) -> bool:
    return user.is_active and (user.is_staff or user.is_superuser)


def _may_import(user) -> bool:
    return _is_operator_staff(user) and user.has_perm("timeseries.run_import")


def _may_act_on(user, job: ImportJob) -> bool:
    """Cancel or retry: one's own jobs with the import permission; anyone's with the change permission too."""
    return _may_import(user) and (job.created_by_id == user.pk or user.has_perm("timeseries.change_importjob"))


def _forbidden(request: HttpRequest, detail: str) -> HttpResponse:
    return render(request, "imports/forbidden.html", {"detail": detail}, status=403)


def _no_such_job(request: HttpRequest) -> HttpResponse:
    # Answered here, not raised: the site's error middleware turns exceptions outside the admin into JSON 500s.
    return problem_response(request, 404, f"There is no import job at '{request.path}' that you may see.")


def _visible_job(request: HttpRequest, pk: int) -> ImportJob | None:
    """The job if this user may see it: the pages answer 404 otherwise, so nobody learns which jobs exist."""
    job = import_jobs_visible_to(request.user).select_related("created_by", "psr").filter(pk=pk).first()
    if job is not None and job.status == ImportJob.Status.RUNNING:
        # A worker killed mid-run cannot say so itself: the page would show "running" for ever.
        job = import_job_check_alive(job=job)
    return job


def _bytes_text(job: ImportJob) -> str:
    if not job.size:
        return filesizeformat(job.bytes_read) if job.bytes_read else ""
    return f"{filesizeformat(min(job.bytes_read, job.size))} of {filesizeformat(job.size)}"


def _errors(job: ImportJob) -> QuerySet[ImportRowError]:
    # By line, errors of no line (about the file as a whole) last, on every database alike.
    return job.errors.order_by(F("line").asc(nulls_last=True), "id")


def _errors_summary(job: ImportJob, kept: int, shown: int) -> str:
    if not kept:
        return "None."
    text = f"{kept} row error{'s' if kept != 1 else ''}"
    if job.rows_rejected > kept:
        text += f" kept of {job.rows_rejected} rejected rows"
    if kept > shown:
        text += f"; the first {shown} are shown below, all {kept} are in the CSV"
    return text + "."


def _written(job: ImportJob, user) -> list[dict]:
    """What the job wrote, with the API URL of each range; for staff also the data-quality page of each series
    written, over the last days up to the end of what it wrote (an admin page: staff who may view PSRs)."""
    links = import_job_written_links(job)
    if user.is_staff and user.has_perm("psr.view_powersystemresource"):
        for item in links:
            if item.get("psr") and item.get("quantity"):
                item["quality_url"] = quality_url(item["psr"], quantity=item["quantity"], end=item.get("end", ""))
    return links


def job_state(job: ImportJob, user) -> dict:
    """Everything the job page shows, as the status endpoint sends it to the page's script."""
    duration = job.duration
    errors = list(_errors(job)[:ERRORS_ON_PAGE].values("line", "column", "value", "reason"))
    kept = len(errors) if len(errors) < ERRORS_ON_PAGE else job.errors.count()
    progress = job.progress
    if progress is None and job.finished:
        # A failed or cancelled job: the bar stays where the job stopped reading.
        progress = min(job.bytes_read / job.size, 1.0) if job.size else 0.0
    may_act = _may_act_on(user, job)
    return {
        "id": job.pk,
        "status": job.status,
        "finished": job.finished,
        "stage": job.stage,
        "message": job.message,
        "detected_format": job.detected_format,
        "detected_format_text": job.detected_format or ("none" if job.finished else "not yet"),
        "cancel_requested": job.cancel_requested,
        "progress": progress,
        "rows_read": job.rows_read,
        "bytes_read": job.bytes_read,
        "size": job.size,
        "bytes_text": _bytes_text(job),
        "counts": {
            "read": job.rows_read,
            "inserted": job.rows_inserted,
            "updated": job.rows_updated,
            "unchanged": job.rows_unchanged,
            "rejected": job.rows_rejected,
        },
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "duration": duration.total_seconds() if duration is not None else None,
        "duration_text": duration_text(duration) or "-",
        "errors": errors,
        "errors_total": kept,
        "errors_summary": _errors_summary(job, kept, len(errors)),
        "written": _written(job, user),
        "can_cancel": may_act and not job.finished and not job.cancel_requested,
        "can_retry": may_act and job.status in (ImportJob.Status.FAILED, ImportJob.Status.CANCELLED),
    }


@csrf_exempt  # the CSRF check runs inside, once the upload handler is in place (it must see the body first)
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    if not _may_import(request.user):
        return _forbidden(request, IMPORT_PERMISSION if _is_operator_staff(request.user) else STAFF_ONLY)
    limit = UploadLimitHandler(request, max_bytes=settings.CDSC_IMPORT_MAX_BYTES)
    request.upload_handlers.insert(0, limit)
    return _import_upload(request, limit)


@csrf_protect
def _import_upload(request: HttpRequest, limit: UploadLimitHandler) -> HttpResponse:
    if request.method != "POST":
        return render(request, "imports/upload.html", {"form": ImportUploadForm()})
    form = ImportUploadForm(request.POST, request.FILES, upload_limit_exceeded=limit.exceeded)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                job = import_job_create(
                    created_by=request.user,
                    file=data["file"],
                    requested_format=data["format"],
                    mode=data["mode"],
                    dry_run=data["dry_run"],
                    timezone=data["timezone"],
                    psr=data["psr"],
                    meter=data["meter"],
                    reading_format=data["reading_format"],
                    validity=data["validity"],
                )
                import_job_enqueue(job=job)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if import_job_not_sent(job=job):
                # Said here, on the page the person is on, with the status a script or monitor can see.
                context = {"form": ImportUploadForm(), "unavailable_job": job}
                response = render(request, "imports/upload.html", context, status=503)
                response["Retry-After"] = "60"
                return response
            return redirect("imports:detail", pk=job.pk)
    return render(request, "imports/upload.html", {"form": form})


@login_required
@require_safe
def import_job_list(request: HttpRequest) -> HttpResponse:
    if not _is_operator_staff(request.user):
        return _forbidden(request, STAFF_ONLY)
    jobs = import_jobs_visible_to(request.user).select_related("created_by")
    page = Paginator(jobs, JOBS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "may_import": _may_import(request.user)}
    return render(request, "imports/job_list.html", context)


@login_required
@require_safe
def import_job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not _is_operator_staff(request.user):
        return _forbidden(request, STAFF_ONLY)
    job = _visible_job(request, pk)
    if job is None:
        return _no_such_job(request)
    context = {"job": job, "state": job_state(job, request.user)}
    return render(request, "imports/job_detail.html", context)


@login_required
@require_safe
def import_job_status(request: HttpRequest, pk: int) -> HttpResponse:
    if not _is_operator_staff(request.user):
        return _forbidden(request, STAFF_ONLY)
    job = _visible_job(request, pk)
    if job is None:
        return _no_such_job(request)
    response = JsonResponse(job_state(job, request.user))
    response["Cache-Control"] = "no-store"
    return response


def _cell(value: object) -> str:
    """A text cell a spreadsheet will not run as a formula (as the API's CSV does)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


@login_required
@require_safe
def import_job_errors_csv(request: HttpRequest, pk: int) -> HttpResponse:
    if not _is_operator_staff(request.user):
        return _forbidden(request, STAFF_ONLY)
    job = _visible_job(request, pk)
    if job is None:
        return _no_such_job(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow(ERROR_COLUMNS)
    for error in _errors(job).iterator():
        writer.writerow(
            ["" if error.line is None else error.line, *map(_cell, (error.column, error.value, error.reason))]
        )
    return response


def _act(request: HttpRequest, pk: int, service, outcome) -> HttpResponse:
    """Cancel or retry a job through its service, then back to its page with a word on what happened."""
    if not _is_operator_staff(request.user):
        return _forbidden(request, STAFF_ONLY)
    job = _visible_job(request, pk)
    if job is None:
        return _no_such_job(request)
    if not _may_act_on(request.user, job):
        return _forbidden(request, "Only the person who started this import, or an administrator, can do that.")
    try:
        with transaction.atomic():
            job = service(job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if import_job_not_sent(job=job):  # a retry the task queue would not take
            messages.error(request, job.message)
        else:
            messages.info(request, outcome(job))
    return redirect("imports:detail", pk=job.pk)


def _cancel_outcome(job: ImportJob) -> str:
    if job.status == ImportJob.Status.CANCELLED:
        return "Cancelled."
    if job.cancel_requested:
        return "Asked to stop: the job stops at its next step, writing nothing."
    return f"Nothing to cancel: the job has {job.status}."


@login_required
@require_POST
def import_job_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, import_job_cancel, _cancel_outcome)


@login_required
@require_POST
def import_job_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, import_job_retry, lambda job: f"Run again: the job is {job.status}.")
