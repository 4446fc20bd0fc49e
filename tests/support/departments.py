"""The departments of the tests, each with its unified social credit code (统一社会信用代码,
GB 32100, check character valid): departments are compared by these codes, never by name."""

from __future__ import annotations

#: 区发展改革局 of the tests (in the real Guang'an catalogue this code is 区行政审批局's; the
#: README uses 区发改局's own, 11511301008778175U)
DEVELOPMENT = "115113016823646795"
#: 区教科体局 (Guang'an district, as in the real catalogue)
EDUCATION = "115113010833722043"
#: 区消防救援大队
FIRE = "11511300MB1A21304N"
#: 区生态环境局
ENVIRONMENT = "11511301MB1D685275"
#: 区政务服务中心 (the government service centre)
SERVICE_CENTRE = "125113010603241893"
#: 市发展改革委 (Guang'an city, 511600)
CITY_DEVELOPMENT = "11511600008770000N"
#: 区市场监督管理局 — the code in the README's penalty item's implementation code
MARKET = "11511301130200011N"

NAMES = {DEVELOPMENT: "区发展改革局", EDUCATION: "区教科体局", FIRE: "区消防救援大队",
         ENVIRONMENT: "区生态环境局", SERVICE_CENTRE: "区政务服务中心",
         CITY_DEVELOPMENT: "市发展改革委", MARKET: "区市场监督管理局"}
CODES = {name: code for code, name in NAMES.items()}
