"""Demo: U-Net pixel classification. Simulated labelled S2 tiles -> `ai4c unet -action full` with a small
encoder -> the predicted held-out map beside the truth, with its mIoU."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ai4c.demo.report import Section

ORDER = 45
TITLE = "Pixel classification of S2 patches (U-Net, ai4c unet)"
LEGEND = {1: ("water", "#3b7dd8"), 2: ("vegetation", "#2e9e44"), 3: ("bare soil", "#c8a165"),
          4: ("urban", "#9a3c3c"), 5: ("sea", "#0b2e6b"), 6: ("snow/ice", "#e8f4ff")}


def run(workdir: Path) -> Section:
    """Train on 3 simulated tiles (southern strips held out), predict the strips, compare with the truth."""
    import rasterio
    import torch

    from ai4c.core.quicklook import write_quicklook
    from ai4c.pipelines.unet.params import UnetParameters
    from ai4c.pipelines.unet.run import run as unet
    from ai4c.simulate.s2.segmentation import scene_arrays, simulate_segmentation

    torch.set_num_threads(1)
    simulate_segmentation(workdir / "data", tiles=3, size=256, seed=0)
    opts = UnetParameters(input_dir=workdir / "data", output_dir=workdir / "out", bands="B2,B3,B4,B8",
                          selected_classes="1,2,3,4,5,6", patch_size=64, batch_size=8, epochs=30, lr=0.003,
                          data_aug=True, width=8, depth="1,1,1,1", patience=30, lr_schedule="constant")
    report = unet("full", opts)
    _, truth, _, _ = scene_arrays(256, 2, ("B2",))
    with rasterio.open(workdir / "out" / "predictions" / "scene_002.tif") as src:
        pred = src.read(1)
    strip = truth[256 - pred.shape[0]:]
    write_quicklook(pred, workdir / "predicted.png", title="predicted (held-out strip)", classes=LEGEND)
    write_quicklook(strip, workdir / "truth.png", title="truth", classes=LEGEND)
    section = Section(TITLE)
    section.paragraphs += [
        "Three simulated cloud-free Sentinel-2 scenes (bands B2, B3, B4, B8 as uint16 L2A numbers, land-cover truth "
        "as labels: water, vegetation, bare soil, urban, sea, snow) in the <code>images/</code> + <code>labels/</code> "
        "layout. <code>ai4c unet -action full -patch_size 64</code> cuts 64 x 64 patches, keeps the southern strip of "
        "each tile for validation, trains a U-Net with a reduced-width ResNet encoder (width 8, one block per stage: "
        "the demo must run in seconds; the benchmark trains the full ResNet-50) and predicts the held-out strips.",
        f"Training: {report['epochs_run']} epochs on {report['patches']['train']} patches, "
        f"{np.mean([h['patches_per_s'] for h in report['history']]):.0f} patches/s on CPU.",
    ]
    accuracy = float((pred == strip).mean())
    section.check("validation mIoU", report["validation"]["miou"], ">= 0.6", report["validation"]["miou"] >= 0.6)
    section.check("held-out map mIoU (written GeoTIFFs vs labels)", report["heldout"]["miou"], ">= 0.6",
                  report["heldout"]["miou"] >= 0.6)
    section.check("held-out strip of tile 3: pixels equal to the truth", accuracy, ">= 0.85", accuracy >= 0.85)
    section.images += [(f"{workdir.name}/predicted.png", "predicted classes"), (f"{workdir.name}/truth.png", "truth"),
                       (f"{workdir.name}/out/confusion_matrix.png", "validation confusion matrix")]
    return section
