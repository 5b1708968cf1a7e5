"""Which column of a list file holds what: Chinese and English headers, or an explicit mapping.

Back offices and branches name columns their own way (客户号, 资金账号, 手机号码, "Mobile 2"...).
`recognise` maps a header row onto the fields an account has; an explicit mapping (a CLI
flag, an API field or a saved preset) wins over recognition. Columns that mean nothing to
us are kept as extra attributes of the account, never dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final

from campaigns.lists.errors import MappingError


class Field(StrEnum):
    """What a column holds."""

    ACCOUNT_NUMBER = "account_number"
    NAME = "name"
    PHONE = "phone"
    BRANCH = "branch"
    MANAGER = "manager"
    ASSETS = "assets"
    OPENED_ON = "opened_on"
    LAST_TRADE_ON = "last_trade_on"
    RISK_TOLERANCE = "risk_tolerance"
    ADDRESS = "address"
    REGION = "region"
    CITY = "city"
    SEGMENT = "segment"
    TIER = "tier"
    ACCOUNT_STATUS = "account_status"
    ADVISORY_STATUS = "advisory_status"
    EXTRA = "extra"
    IGNORE = "ignore"


_SYNONYMS: Final[dict[Field, tuple[str, ...]]] = {
    Field.ACCOUNT_NUMBER: (
        "客户号",
        "资金账号",
        "资金帐号",
        "客户编号",
        "客户代码",
        "资金账户",
        "账号",
        "帐号",
        "accountnumber",
        "accountno",
        "account",
        "customerid",
        "customerno",
        "clientid",
        "clientno",
    ),
    Field.NAME: (
        "姓名",
        "客户姓名",
        "客户名称",
        "客户名",
        "name",
        "customername",
        "fullname",
        "clientname",
    ),
    Field.PHONE: (
        "手机",
        "手机号",
        "手机号码",
        "联系电话",
        "电话",
        "电话号码",
        "移动电话",
        "固定电话",
        "座机",
        "家庭电话",
        "办公电话",
        "单位电话",
        "联系方式",
        "备用电话",
        "备用手机",
        "mobile",
        "mobilephone",
        "mobilenumber",
        "phone",
        "phonenumber",
        "tel",
        "telephone",
        "cell",
        "cellphone",
        "homephone",
        "workphone",
        "officephone",
        "landline",
    ),
    Field.BRANCH: ("营业部", "所属营业部", "开户营业部", "分支机构", "branch", "branchname"),
    Field.MANAGER: (
        "客户经理",
        "服务经理",
        "经纪人",
        "理财经理",
        "accountmanager",
        "manager",
        "advisor",
        "relationshipmanager",
    ),
    Field.ASSETS: (
        "资产",
        "总资产",
        "资产总额",
        "客户资产",
        "账户资产",
        "assets",
        "totalassets",
        "aum",
    ),
    Field.OPENED_ON: (
        "开户日期",
        "开户时间",
        "opendate",
        "openedon",
        "dateopened",
        "accountopened",
    ),
    Field.LAST_TRADE_ON: (
        "最后交易日期",
        "最后交易日",
        "最近交易日期",
        "末次交易日期",
        "最后交易时间",
        "lasttradedate",
        "lasttrade",
        "lasttradeon",
        "lasttradedon",
    ),
    Field.RISK_TOLERANCE: (
        "风险等级",
        "风险承受能力",
        "风险承受等级",
        "风险测评等级",
        "风险类型",
        "risklevel",
        "risktolerance",
        "riskprofile",
    ),
    Field.ADDRESS: ("地址", "联系地址", "通讯地址", "家庭住址", "address"),
    Field.REGION: ("省份", "省", "地区", "province", "region", "state"),
    Field.CITY: ("城市", "市", "city"),
    Field.SEGMENT: ("客群", "客户分类", "客户类型", "分群", "segment"),
    Field.TIER: ("客户等级", "卡级别", "星级", "tier"),
    Field.ACCOUNT_STATUS: ("账户状态", "帐户状态", "客户状态", "状态", "accountstatus", "status"),
    Field.ADVISORY_STATUS: ("签约状态", "投顾签约状态", "投顾状态", "advisorystatus"),
}
_BY_KEY: Final[dict[str, Field]] = {
    synonym: field for field, synonyms in _SYNONYMS.items() for synonym in synonyms
}
_NOISE: Final = re.compile(r"[\s_\-.:：#/]+")
_BRACKETED: Final = re.compile(r"[(（\[【].*?[)）\]】]")
_NUMBERED: Final = re.compile(r"^(.*?\D)\d+$")
_TEN_THOUSAND: Final = "万"


def header_key(header: str) -> str:
    """A header reduced to what identifies it: 'Mobile Phone (2)' -> 'mobilephone'."""
    key = _BRACKETED.sub("", header.replace("\ufeff", "")).lower()
    key = _NOISE.sub("", key)
    numbered = _NUMBERED.match(key)
    return numbered.group(1) if numbered else key


def recognise_header(header: str) -> Field | None:
    """The field a header names, or None when we do not know it."""
    return _BY_KEY.get(header_key(header))


@dataclass(frozen=True)
class ColumnMapping:
    """Where each field is in a row of cells."""

    header: tuple[str, ...]
    single: Mapping[Field, int]
    phones: tuple[int, ...]
    extras: tuple[tuple[str, int], ...]
    assets_multiplier: Decimal = Decimal(1)

    def describe(self) -> dict[str, str]:
        """header -> field, as shown to the person loading the list."""
        described = {self.header[index]: field.value for field, index in self.single.items()}
        described.update({self.header[index]: Field.PHONE.value for index in self.phones})
        described.update({name: Field.EXTRA.value for name, _ in self.extras})
        return described


def parse_mapping(spec: str) -> dict[str, Field]:
    """An explicit mapping: JSON ({"手机1": "phone"}) or `header=field,header=field`."""
    spec = spec.strip()
    if not spec:
        return {}
    pairs: dict[str, str]
    if spec.startswith(("{", "[")):
        try:
            loaded = json.loads(spec)
        except json.JSONDecodeError as exc:
            raise MappingError(f"the mapping is not valid JSON: {exc}") from exc
        if not isinstance(loaded, dict):
            raise MappingError('the mapping must be a JSON object: {"header": "field"}')
        pairs = {str(key): str(value) for key, value in loaded.items()}
    else:
        pairs = {}
        for item in spec.split(","):
            if not item.strip():
                continue
            header, separator, field = item.partition("=")
            if not separator:
                raise MappingError(f"mapping item {item!r} must look like header=field")
            pairs[header.strip()] = field.strip()
    mapping: dict[str, Field] = {}
    for header, field_name in pairs.items():
        try:
            mapping[header] = Field(field_name.lower())
        except ValueError:
            known = ", ".join(field.value for field in Field)
            raise MappingError(
                f"unknown field {field_name!r} for column {header!r}; fields are: {known}"
            ) from None
    return mapping


def with_preset(
    header: Sequence[str], preset: Mapping[str, Field], explicit: Mapping[str, Field]
) -> dict[str, Field]:
    """The mapping for one file: a saved preset's entries for the columns this file has (a
    preset serves several variants of an export), then the explicit mapping over them."""
    names = {cell.strip() for cell in header}
    merged = {column: field for column, field in preset.items() if column in names}
    merged.update(explicit)
    return merged


def recognise(header: Sequence[str], overrides: Mapping[str, Field] | None = None) -> ColumnMapping:
    """Map a header row onto fields; `overrides` (header -> field) win over recognition."""
    names = tuple(cell.strip() for cell in header)
    overrides = dict(overrides or {})
    unknown = [name for name in overrides if name not in names]
    if unknown:
        raise MappingError(
            f"the mapping names columns the file does not have: {', '.join(unknown)}; "
            f"its columns are: {', '.join(names)}"
        )
    single: dict[Field, int] = {}
    phones: list[int] = []
    extras: list[tuple[str, int]] = []
    multiplier = Decimal(1)
    for index, name in enumerate(names):
        field = overrides.get(name) if name in overrides else recognise_header(name)
        if field is Field.IGNORE:
            continue
        if field is Field.PHONE:
            phones.append(index)
        elif field is None or field is Field.EXTRA or field in single:
            extras.append((name or f"column_{index + 1}", index))
        else:
            single[field] = index
            if field is Field.ASSETS and _TEN_THOUSAND in name:
                multiplier = Decimal(10_000)  # 资产(万元): amounts in units of ten thousand
    if not phones:
        raise MappingError(
            "no phone column recognised among: "
            + ", ".join(names)
            + "; name it with a mapping, e.g. --mapping '联系号码=phone'"
        )
    if Field.NAME not in single:
        raise MappingError(
            "no name column recognised among: "
            + ", ".join(names)
            + "; name it with a mapping, e.g. --mapping '客户=name'"
        )
    return ColumnMapping(names, single, tuple(phones), tuple(extras), multiplier)
