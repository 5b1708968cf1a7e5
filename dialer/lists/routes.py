"""List upload API: a multipart upload starts an import job; its status and rejects are read back.

Jobs run in the service process (one asyncio task each) and are kept in memory: the
database holds the outcome (`list_imports`, `import_rejects`); the job only adds progress
while it runs. A restart forgets running jobs, and their transactions roll back.
"""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from pathlib import Path

from aiohttp import web
from pydantic import BaseModel, Field

from campaigns.lists.columns import parse_mapping
from campaigns.lists.errors import ListLoadError
from dialer import auth
from dialer.http import (
    BodyClass,
    ConsoleLink,
    Problem,
    Role,
    Routes,
    json_response,
    path_int,
    read_body,
)
from dialer.keys import CLOCK, DATABASE_URL, IMPORT_POOL, SETTINGS, now_of, pool_of
from dialer.lists.import_jobs import ImportJobRequest, create_job, job_status, run_job
from dialer.lists.importer import (
    QUERIES,
    ImportOptions,
    write_reject_file,
)
from dialer.lists.presets import (
    UnknownPreset,
    delete_preset,
    list_presets,
    load_preset,
    save_preset,
)
from dialer.lists.uploads import receive_upload
from dialer.web import i18n
from dialer.web.pages import feature_templates, page_context
from dialer.web.security import script_json

routes = Routes()
_MANAGERS = {Role.CAMPAIGN_MANAGER, Role.ADMIN}

_environment = feature_templates(Path(__file__).parent / "templates")
_TEXTS = {
    "list_upload": {"zh": "导入名单", "en": "Load a list"},
    "list_name": {"zh": "名单名称", "en": "List name"},
    "list_file": {"zh": "文件 (CSV/TSV/XLSX)", "en": "File (CSV/TSV/XLSX)"},
    "list_region": {"zh": "默认地区", "en": "Default region"},
    "list_encoding": {"zh": "编码", "en": "Encoding"},
    "list_sheet": {"zh": "工作表", "en": "Sheet"},
    "list_mapping": {"zh": "列映射", "en": "Column mapping"},
    "list_preset": {"zh": "已保存的列映射", "en": "Saved mapping"},
    "list_no_preset": {"zh": "（不使用）", "en": "(none)"},
    "list_force": {"zh": "重复文件也导入", "en": "Import again if already loaded"},
    "list_upload_button": {"zh": "上传并导入", "en": "Upload and load"},
    "list_rows": {"zh": "总行数", "en": "Rows"},
    "list_accepted": {"zh": "导入", "en": "Accepted"},
    "list_merged": {"zh": "合并", "en": "Merged"},
    "list_rejected": {"zh": "拒绝", "en": "Rejected"},
    "list_reasons": {"zh": "拒绝原因", "en": "Reject reasons"},
    "list_download_rejects": {"zh": "下载被拒绝的行", "en": "Download rejected rows"},
    "list_uploading": {"zh": "上传中…", "en": "Uploading…"},
    "list_running": {"zh": "导入中，已读取行数", "en": "Loading, rows read"},
    "list_failed": {"zh": "导入失败，未做任何更改：", "en": "Failed, nothing changed:"},
    "list_skipped": {"zh": "该文件已导入过，未做更改。", "en": "Already loaded; nothing changed."},
    "list_done": {"zh": "导入完成", "en": "Loaded"},
}
i18n.register(_TEXTS)
console_links: list[ConsoleLink] = [(role, "/lists/upload", "list_upload") for role in _MANAGERS]


@routes.route("GET", "/lists/upload", roles=_MANAGERS, summary="The list upload page.", api=False)
async def upload_page(request: web.Request) -> web.Response:
    context = page_context(request)
    translate = context["t"]
    texts = {
        key: translate("list_" + key)
        for key in ("uploading", "running", "failed", "skipped", "done")
    }

    async with pool_of(request).acquire() as connection:
        presets = await list_presets(connection)
    upload_data = script_json({"csrf": context["csrf_token"], "texts": texts})
    html = _environment.get_template("lists_upload.html").render(
        **context, presets=presets, upload_data=upload_data
    )
    return web.Response(text=html, content_type="text/html")


# the tasks awaiting import children (kept so they are not collected mid-import)
_TASKS: set[asyncio.Task[None]] = set()


@routes.route(
    "POST",
    "/api/v1/lists/imports",
    statuses=(202,),
    roles=_MANAGERS,
    summary="Upload a list file (multipart: file, name, region, encoding, mapping, preset, "
    "sheet, force); returns the import job.",
    body_class=BodyClass.UPLOAD,
)
async def upload_list(request: web.Request) -> web.Response:
    if not request.content_type.startswith("multipart/"):
        raise Problem(415, "Unsupported media type", "Send the list as multipart/form-data.")
    upload = await receive_upload(request)
    path, file_name, fields = upload.path, upload.file_name, upload.fields
    if path is None:
        raise Problem(422, "Invalid request", "Attach the list as the 'file' field.")
    name = fields.get("name", "").strip()
    if not name:
        path.unlink(missing_ok=True)
        raise Problem(422, "Invalid request", "Give the list a name ('name' field).")
    preset = fields.get("preset", "").strip() or None
    try:
        options = ImportOptions(
            list_name=name,
            region=fields.get("region", "CN") or "CN",
            encoding=fields.get("encoding") or None,
            mapping=parse_mapping(fields.get("mapping", "")),
            preset=preset,
            sheet=fields.get("sheet") or None,
            force=fields.get("force", "").lower() in ("1", "true", "yes", "on"),
        )
        if preset is not None:
            async with pool_of(request).acquire() as connection:
                await load_preset(connection, preset)
    except ListLoadError as exc:
        path.unlink(missing_ok=True)
        field_name = "preset" if isinstance(exc, UnknownPreset) else "mapping"
        raise Problem(
            422,
            "Invalid request",
            str(exc),
            errors=[{"field": field_name, "message": str(exc)}],
        ) from exc
    job_id = uuid.uuid4().hex
    pool = pool_of(request)
    now = now_of(request)
    await create_job(pool, job_id, file_name, name, auth.current_user(request).user_id, now)
    settings = request.app[SETTINGS]
    job = ImportJobRequest(
        job_id,
        request.app[DATABASE_URL],
        path,
        options,
        now,
        memory_bytes=settings.import_max_memory_mb * 1024 * 1024,
        cpu_seconds=settings.import_max_seconds,
        file_name=file_name,
    )
    task = asyncio.create_task(run_job(pool, request.app[IMPORT_POOL], job, request.app[CLOCK]))
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)
    shown = await job_status(pool, job_id, now)
    return json_response(
        {**(shown or {}), "status_url": f"/api/v1/lists/imports/jobs/{job_id}"}, status=202
    )


@routes.route(
    "GET",
    "/api/v1/lists/imports/jobs/{job_id}",
    path_text=("job_id",),
    roles=_MANAGERS,
    summary="Progress and, when finished, the summary of an import job.",
)
async def import_status(request: web.Request) -> web.Response:
    shown = await job_status(pool_of(request), request.match_info["job_id"], now_of(request))
    if shown is None:
        raise Problem(404, "Not found", "No such import job.")
    return json_response(shown)


@routes.route(
    "GET",
    "/api/v1/lists/imports/{import_id}/rejects.csv",
    roles=_MANAGERS,
    summary="The rejected rows of an import as CSV (formula-looking cells neutralised).",
)
async def import_rejects(request: web.Request) -> web.Response:
    import_id = path_int(request, "import_id")
    out = io.StringIO()
    async with pool_of(request).acquire() as connection:
        exists = await connection.fetchval(QUERIES["import_exists"], import_id)
        if exists is None:
            raise Problem(404, "Not found", f"No import {import_id}.")
        await write_reject_file(connection, import_id, out)
    return web.Response(
        body=out.getvalue().encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="rejects-{import_id}.csv"'},
    )


class MappingPreset(BaseModel):
    """A saved mapping: header -> field, as a JSON object or as 'header=field,…' text."""

    mapping: dict[str, str] | str = Field(
        description='e.g. {"备用号码": "phone", "客户": "name"} or "备用号码=phone,客户=name"'
    )


@routes.route(
    "GET",
    "/api/v1/lists/presets",
    roles=_MANAGERS,
    summary="The saved column mappings (presets) for list loading.",
)
async def get_presets(request: web.Request) -> web.Response:
    async with pool_of(request).acquire() as connection:
        return json_response({"presets": await list_presets(connection)})


@routes.route(
    "PUT",
    "/api/v1/lists/presets/{name}",
    roles=_MANAGERS,
    summary="Save (or replace) a named column mapping to pick when loading lists.",
    body=MappingPreset,
)
async def put_preset(request: web.Request) -> web.Response:
    body = await read_body(request, MappingPreset)
    spec = (
        body.mapping
        if isinstance(body.mapping, str)
        else json.dumps(body.mapping, ensure_ascii=False)
    )
    try:
        mapping = parse_mapping(spec)
        async with pool_of(request).acquire() as connection:
            preset = await save_preset(
                connection,
                request.match_info["name"],
                mapping,
                user_id=auth.current_user(request).user_id,
                now=now_of(request),
            )
    except ListLoadError as exc:
        raise Problem(
            422, "Invalid mapping", str(exc), errors=[{"field": "mapping", "message": str(exc)}]
        ) from exc
    return json_response(preset)


@routes.route(
    "DELETE",
    "/api/v1/lists/presets/{name}",
    statuses=(204,),
    roles=_MANAGERS,
    summary="Delete a saved column mapping.",
)
async def remove_preset(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    async with pool_of(request).acquire() as connection:
        if not await delete_preset(connection, name):
            raise Problem(404, "Not found", f"No mapping preset named {name!r}.")
    return web.Response(status=204)
