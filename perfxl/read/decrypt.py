"""Open a password-protected workbook with the password the office was given.

Units sometimes protect their workbook with an opening password (Excel stores such a file as an
encrypted OLE container, not a zip).  With ``--password`` the reader decrypts it to a private
temporary file, reads that, and deletes it; the submission itself is never changed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from perfxl.errors import UnreadableWorkbook

NEEDS_PASSWORD = ("文件已加密（设有打开密码）：请用 --password 提供密码，或请报送单位去掉密码后重新报送",
                  "the file is encrypted: give its password with --password, or ask the unit to "
                  "remove the password")
WRONG_PASSWORD = ("文件已加密，所给密码不正确", "the file is encrypted and the password given is wrong")


@contextlib.contextmanager
def decrypted(path: str | Path, password: str | None) -> Iterator[Path]:
    """A decrypted private copy of an encrypted workbook while the block runs."""
    path = Path(path)
    if not password:
        raise UnreadableWorkbook(NEEDS_PASSWORD[0], path=str(path), message_en=NEEDS_PASSWORD[1])
    import msoffcrypto
    from msoffcrypto.exceptions import InvalidKeyError

    # the pid in the name: a copy a killed run left is removed by a later one (batch.debris)
    fd, name = tempfile.mkstemp(prefix=f"perfxl-decrypted-{os.getpid()}-", suffix=path.suffix or ".xlsx")
    try:
        with open(path, "rb") as src, os.fdopen(fd, "wb") as out:
            office = msoffcrypto.OfficeFile(src)
            try:
                office.load_key(password=password)
                office.decrypt(out)
            except (InvalidKeyError, ValueError) as exc:
                raise UnreadableWorkbook(WRONG_PASSWORD[0], path=str(path),
                                         message_en=WRONG_PASSWORD[1]) from exc
            except Exception as exc:  # an encryption scheme msoffcrypto does not know
                raise UnreadableWorkbook(f"文件已加密，无法解密：{exc}", path=str(path),
                                         message_en=f"the file is encrypted and cannot be decrypted: {exc}") \
                    from exc
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


def encrypt(src: str | Path, dest: str | Path, password: str) -> Path:
    """Password-protect a workbook as Excel does (used by the tests to make such files)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    with open(src, "rb") as plain, open(dest, "wb") as out:
        OOXMLFile(plain).encrypt(password, out)
    return Path(dest)
