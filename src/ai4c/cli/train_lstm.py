"""`train_lstm` / `ai4c train-lstm` (AI4C_LSTMTrain.py flags)."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command
from ai4c.core.params import add_arguments, from_namespace
from ai4c.pipelines.parameters import TrainLstmParameters


def _args(parser: argparse.ArgumentParser) -> None:
    """The seed's flags plus early-stopping patience and seed."""
    parser.add_argument("--input_dir", required=True, help="folder with train.npy [N, ts, b] and y_train.npy [N]")
    parser.add_argument("--output_dir", required=True, help="folder for lstm_model.h5 and lstm_report.json")
    parser.add_argument("--val", default=None, help="folder with a validation set (val.npy/y_val.npy or train.npy/"
                        "y_train.npy); enables early stopping and the validation report")
    add_arguments(parser, TrainLstmParameters)


def _run(args: argparse.Namespace) -> int:
    """Train and print the summary."""
    from ai4c.pipelines.train_lstm import MODEL_NAME, run

    p = from_namespace(TrainLstmParameters, args)
    report = run(args.input_dir, args.output_dir, p.n_epochs, p.batch_size, p.class_weights, p.learning_rate,
                 args.val, p.patience, p.seed, p.hidden, p.layers)
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
