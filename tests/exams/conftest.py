import pytest

from jiaoguan.audit.services import Actor
from jiaoguan.cases.services import catalogue_sync


@pytest.fixture(autouse=True)
def catalogue(db: None) -> None:
    catalogue_sync(actor=Actor.system("tests"))
