"""`train_lstm` / `ai4c train-lstm` (AI4C_LSTMTrain.py flags)."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command


def _args(parser: argparse.ArgumentParser) -> None:
    """The seed's flags plus early-stopping patience and seed."""
    parser.add_argument("--input_dir", required=True, help="folder with train.npy [N, ts, b] and y_train.npy [N]")
    parser.add_argument("--output_dir", required=True, help="folder for lstm_model.h5 and lstm_report.json")
    parser.add_argument("--n_epochs", type=int, default=50, help="number of epochs, > 1 (default 50)")
    parser.add_argument("--batch_size", "--batch-size", type=int, default=32, help="power of 2 greater than 2 (default 32)")
    parser.add_argument("--class_weights", type=int, default=0, help="1: weight classes by inverse frequency (default 0)")
    parser.add_argument("--learning_rate", type=float, default=1e-3, help="0 < lr < 1 (default 1e-3)")
    parser.add_argument("--val", default=None, help="folder with a validation set (val.npy/y_val.npy or train.npy/"
                        "y_train.npy); enables early stopping and the validation report")
    parser.add_argument("--patience", type=int, default=8, help="epochs without validation improvement before stopping")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--hidden", type=int, default=32, help="LSTM hidden units (default 32)")
    parser.add_argument("--layers", type=int, default=1, help="stacked LSTM layers (default 1)")


def _run(args: argparse.Namespace) -> int:
    """Train and print the summary."""
    from ai4c.pipelines.train_lstm import MODEL_NAME, run

    report = run(args.input_dir, args.output_dir, args.n_epochs, args.batch_size, args.class_weights,
                 args.learning_rate, args.val, args.patience, args.seed, args.hidden, args.layers)
    last = report["epochs"][-1]
    print(f"trained {len(report['epochs'])} epochs on {report['n_train']} samples ({report['device']}): "
          f"loss {last['loss']:.4f}, accuracy {last['accuracy']:.4f}")
    if "validation" in report:
        v = report["validation"]
        print(f"validation (epoch {report['best_epoch']}): accuracy {v['overall_accuracy']:.4f}, "
              f"macro-F1 {v['macro_f1']:.4f}")
    print(f"model: {args.output_dir}/{MODEL_NAME}")
    return 0


COMMANDS = [Command("train-lstm", "train the LSTM crop-type classifier (seed §5.2.4)", _args, _run,
                    script="train_lstm")]
main = COMMANDS[0].main
