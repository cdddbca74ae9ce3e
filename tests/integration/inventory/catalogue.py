"""Small catalogues for integration tests, loaded through the real ImportCatalog call."""

from typing import Any

from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as pb
from tests.fixtures.services import unary

ORGANISATIONS = """
organisations:
  - {code: HA, name: 河南省人民政府, admin_level: province}
  - {code: HA-WJW, name: 河南省卫生和计划生育委员会, admin_level: province, parent: HA}
  - {code: HA-RST, name: 河南省人力资源和社会保障厅, admin_level: province, parent: HA}
  - {code: HA-GSJ, name: 河南省工商行政管理局, admin_level: province, parent: HA}
  - {code: HA-ZZ, name: 郑州市, admin_level: city, parent: HA}
zones:
  - {code: ZY-ZWWW-A, name: 政务外网A区, transport_crypto: true, storage_crypto: true}
  - {code: ZY-HLW, name: 互联网区}
"""


def seed(stub: Any, token: str, yaml_text: str) -> pb.ImportCatalogResponse:
    request = pb.ImportCatalogRequest(format=pb.CATALOG_FORMAT_YAML, content=yaml_text.encode())
    return unary(stub.ImportCatalog, request, token)
