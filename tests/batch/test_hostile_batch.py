"""Hostile and broken input, end to end: every bad file gets a reason, the batch goes on."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from perfxl.batch.isolate import Failure
from perfxl.batch.validate import Limits, collect_paths, read_many
from perfxl.cli import main
from perfxl.read.workbook import Report

from conftest import CORPUS
from hostile_batch import build


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    folder = tmp_path_factory.mktemp("收件箱")
    return folder, build(folder)


def test_summarize_lists_every_bad_file_with_its_reason_and_sums_the_good(inbox, tmp_path):
    folder, made = inbox
    out, doc = tmp_path / "汇总.xlsx", tmp_path / "汇总.json"
    result = CliRunner().invoke(main, ["summarize", str(folder), "-o", str(out), "--json", str(doc)])
    assert result.exit_code == 2, result.output  # some files unreadable
    assert "Traceback" not in result.output
    data = json.loads(doc.read_text(encoding="utf-8"))
    failed = {f["path"].rsplit("/", 1)[1]: f["reason"] for f in data["failures"]}
    read = {p["path"].rsplit("/", 1)[1] for p in data["projects"]}
    bad = {name for name, what in made.items() if not what.startswith("good")}
    assert set(failed) == bad
    assert read == set(made) - bad
    assert all(len(reason) > 6 for reason in failed.values())
    assert "加密" in failed["加密.xlsx"] and "压缩炸弹" in failed["压缩炸弹.xlsx"]
    assert "实体" in failed["实体炸弹.xlsx"] and "为空" in failed["空文件.xlsx"]
    assert "版本" in failed["旧版模板.xlsx"] and "zz-2099" in failed["别的表样.xlsx"]
    assert out.exists()


def test_validate_names_each_bad_file_and_checks_the_rest(inbox):
    folder, made = inbox
    result = CliRunner().invoke(main, ["validate", str(folder)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    for name in made:
        assert name in result.output
    assert "无法读取: 文件为空（0 字节）" in result.output
    assert "V003" in result.output  # the #REF! left in a cell is reported, not a crash


def test_a_file_deleted_in_the_middle_of_a_batch(make, tmp_path):
    paths = [make(name=f"{i}.xlsx") for i in range(3)]
    listed = collect_paths([tmp_path])
    paths[1].unlink()  # gone between listing and reading
    got = dict(read_many(listed, Limits(jobs=2)))
    assert isinstance(got[str(paths[0])], Report) and isinstance(got[str(paths[2])], Report)
    assert isinstance(got[str(paths[1])], Failure) and got[str(paths[1])].reason_zh


def test_a_locked_file_gets_a_clear_message(make, monkeypatch):
    path = make()
    real_open = open

    def locked(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", locked)
    (_, got), = read_many([path], Limits(isolate=False))
    assert isinstance(got, Failure) and "锁定" in got.reason_zh and "Traceback" not in got.reason_zh


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus is not present")
def test_every_corpus_file_ends_with_a_report_or_a_reason():
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() in
                   {".xlsx", ".xlsm", ".xls", ".et", ".xlsb", ".ods"})
    assert files
    for path, got in read_many(files, Limits(jobs=2, timeout=60)):
        assert isinstance(got, Report | Failure), path
        if isinstance(got, Failure):
            assert got.reason_zh and "Traceback" not in got.reason_zh, path


def test_annotate_and_clean_name_each_bad_file_and_do_the_rest(inbox, tmp_path):
    folder, made = inbox
    out = tmp_path / "批注副本"
    annotated = CliRunner().invoke(main, ["validate", "--out", str(out), str(folder)])
    assert annotated.exit_code == 2 and "Traceback" not in annotated.output
    good = sorted(n for n, what in made.items() if what.startswith("good") and n.endswith((".xlsx", ".xlsm")))
    assert sorted(p.name for p in out.iterdir()) == good
    cleaned = CliRunner().invoke(main, ["clean", str(out), str(folder)])
    assert cleaned.exit_code == 2 and "Traceback" not in cleaned.output
    assert "文件已加密" in cleaned.output and "文件为空" in cleaned.output and "实体炸弹" in cleaned.output
    assert all(f"已清理: {out / n}" in cleaned.output for n in good)


def test_a_password_protected_workbook_opens_with_its_password(make, tmp_path):
    from perfxl.read.decrypt import encrypt

    locked = encrypt(make(lambda f: f.values.update(score_funds_paid=4)), tmp_path / "加密报送.xlsx", "财政2024")
    before = locked.read_bytes()
    without = CliRunner().invoke(main, ["validate", str(locked)])
    assert without.exit_code == 2 and "--password" in without.output
    wrong = CliRunner().invoke(main, ["validate", "--password", "猜的", str(locked)])
    assert wrong.exit_code == 2 and "密码不正确" in wrong.output
    right = CliRunner().invoke(main, ["validate", "--password", "财政2024", str(locked)])
    assert right.exit_code == 1 and "S001" in right.output  # read and checked
    notes = CliRunner().invoke(main, ["validate", "--annotate", "--password", "财政2024", str(locked)])
    assert notes.exit_code == 2 and "加密的工作簿无法写入批注" in notes.output
    assert locked.read_bytes() == before, "the submission is never changed"
    summary = CliRunner().invoke(main, ["summarize", "--password", "财政2024", str(locked), "-o",
                                        str(tmp_path / "汇总.xlsx")])
    assert summary.exit_code == 1 and "1 个项目" in summary.output
