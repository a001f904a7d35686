from ai4c.cli.app import Command


def test_unknown_graph_is_exit_2_with_one_line(run_cli):
    code, out, err = run_cli("graph", "show", "nope")
    assert code == 2
    assert err.strip().count("\n") == 0 and err.startswith("error: no graph named 'nope'")


def test_internal_error_is_exit_1_and_debug_shows_traceback(capsys):
    def boom(args):
        raise ZeroDivisionError("bad")

    cmd = Command("boom", "x", lambda p: None, boom)
    assert cmd.main([]) == 1
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError" in err and "Traceback" not in err
    assert cmd.main(["--debug"]) == 1
    assert "Traceback" in capsys.readouterr().err
