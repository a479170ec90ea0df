"""The core's message catalogs travel with its wheel as data files
(``<prefix>/share/caas/translations``, where ``caas.i18n.translations_dir`` finds them):
one entry per language folder of ``translations/``, so a new language needs no edit here.
Everything else is in ``setup.cfg``."""
from pathlib import Path

from setuptools import setup

TARGET = "share/caas"


def catalog_files() -> list[tuple[str, list[str]]]:
    files = [(f"{TARGET}/translations", ["translations/messages.pot"])]
    for folder in sorted(Path("translations").glob("*/LC_MESSAGES")):
        files.append((f"{TARGET}/{folder.as_posix()}",
                      [path.as_posix() for path in sorted(folder.glob("messages.*"))]))
    return files


setup(data_files=catalog_files())
