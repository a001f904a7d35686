"""U-Net science layer: ResNet-50 encoder, losses, metrics, sliding windows, backbone loading, MoCo v2."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ai4c.ml.segmentation.augment import dihedral
from ai4c.ml.segmentation.backbone import S2_13_BANDS, canonical_band, encoder_state
from ai4c.ml.segmentation.infer import blend_weights, sliding_probabilities, window_starts
from ai4c.ml.segmentation.losses import IGNORE, FocalLoss, class_weights, make_criterion
from ai4c.ml.segmentation.metrics import confusion, summary
from ai4c.ml.segmentation.resnet import EncoderConfig, ResNetEncoder
from ai4c.ml.segmentation.unet import UNet, UNetConfig

torch.set_num_threads(1)
SMALL = {"width": 8, "blocks": (1, 1, 1, 1)}


def test_resnet50_encoder_matches_torchvision_size_and_names():
    enc = ResNetEncoder(EncoderConfig(in_channels=3))
    # torchvision's resnet50 has 25,557,032 parameters, 2,049,000 of them in the fc head.
    assert sum(p.numel() for p in enc.parameters()) == 25_557_032 - 2_049_000
    keys = set(enc.state_dict())
    for name in ("conv1.weight", "bn1.running_var", "layer1.0.downsample.0.weight", "layer1.0.downsample.1.bias",
                 "layer3.5.conv3.weight", "layer4.2.bn3.running_mean"):
        assert name in keys
    assert "layer3.6.conv1.weight" not in keys and "layer4.3.conv1.weight" not in keys
    feats = enc(torch.zeros(1, 3, 64, 64))
    assert [tuple(f.shape[1:]) for f in feats] == [(64, 32, 32), (256, 16, 16), (512, 8, 8), (1024, 4, 4), (2048, 2, 2)]


@pytest.mark.parametrize("size", [64, 256])
def test_unet_outputs_logits_per_pixel(size):
    model = UNet(UNetConfig(bands=["B2", "B3", "B4"], class_values=[0, 1, 2, 5], **SMALL))
    assert model(torch.zeros(2, 3, size, size)).shape == (2, 4, size, size)


def test_focal_loss_reduces_to_cross_entropy_and_ignores_unknown():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 3, 5, 5, generator=gen)
    target = torch.randint(0, 3, (2, 5, 5), generator=gen)
    target[0, 0] = IGNORE
    weight = torch.tensor([1.0, 2.0, 0.5])
    ce = F.cross_entropy(logits, target, weight=weight, ignore_index=IGNORE)
    assert torch.allclose(FocalLoss(weight, gamma=0.0)(logits, target), ce, atol=1e-6)
    assert torch.allclose(make_criterion("cross_entropy", weight)(logits, target), ce)
    changed = logits.clone()
    changed[0, :, 0] = 100.0  # only ignored pixels change
    assert torch.allclose(FocalLoss(weight)(changed, target), FocalLoss(weight)(logits, target))
    # focal loss down-weights easy pixels: with confident right answers it is far below cross-entropy
    easy = F.one_hot(target.clamp_min(0), 3).permute(0, 3, 1, 2).float() * 4
    assert FocalLoss(gamma=2.0)(easy, target) < 0.01 * F.cross_entropy(easy, target, ignore_index=IGNORE)


def test_class_weights_median_frequency():
    w = class_weights(np.array([0, 100, 300, 600]))
    freq = np.array([100, 300, 600]) / 1000
    assert w[0] == 0 and np.allclose(w[1:], np.median(freq) / freq)


def test_confusion_and_miou_against_sklearn():
    from sklearn.metrics import confusion_matrix, jaccard_score

    rng = np.random.default_rng(1)
    truth = rng.integers(0, 4, 500)
    pred = np.where(rng.random(500) < 0.7, truth, rng.integers(0, 4, 500))
    cm = confusion(truth, pred, 4)
    assert (cm == confusion_matrix(truth, pred, labels=[0, 1, 2, 3])).all()
    assert summary(cm)["miou"] == pytest.approx(jaccard_score(truth, pred, average="macro"))
    truth[:50] = IGNORE
    assert confusion(truth, pred, 4).sum() == 450


def test_sliding_windows_cover_any_size_and_blend_exactly():
    """A per-pixel predictor must be reproduced exactly whatever the windows and their overlaps."""
    rng = np.random.default_rng(2)
    image = rng.normal(size=(3, 150, 97)).astype(np.float32)
    mix = rng.normal(size=(4, 3)).astype(np.float32)

    def per_pixel(windows):
        z = np.einsum("kc,nchw->nkhw", mix, windows)
        e = np.exp(z - z.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    direct = per_pixel(image[None])[0]
    blended = sliding_probabilities(image, per_pixel, 4, patch=64, overlap=16, batch=3)
    assert blended.shape == (4, 150, 97)
    assert np.allclose(blended, direct, atol=1e-5)
    small = sliding_probabilities(image[:, :40, :50], per_pixel, 4, patch=64, overlap=16)
    assert np.allclose(small, direct[:, :40, :50], atol=1e-5)
    assert window_starts(150, 64, 48) == [0, 48, 86] and window_starts(64, 64, 48) == [0]
    w = blend_weights(64, 16)
    assert w[32, 32] == 1 and w[0, 0] < 0.01 and np.allclose(w, w.T)


def test_dihedral_keeps_images_and_labels_aligned():
    x = torch.arange(2 * 1 * 8 * 8, dtype=torch.float32).view(2, 1, 8, 8)
    y = x[:, 0].long() % 7
    for k in range(8):
        xa, ya = dihedral(x, y, k)
        assert torch.equal(xa[:, 0].long() % 7, ya)
    assert len({tuple(dihedral(x, y, k)[0][0, 0, 0, :2].tolist()) for k in range(8)}) == 8


def _ssl4eo_checkpoint(width: int, blocks) -> tuple[dict, ResNetEncoder]:
    """A 13-band ResNet in the SSL4EO-S12 MoCo layout (module.encoder_q.*, fc head, key encoder)."""
    torch.manual_seed(3)
    src = ResNetEncoder(EncoderConfig(13, width, blocks))
    for p in src.parameters():
        p.data.normal_()
    state = {f"module.encoder_q.{k}": v for k, v in src.state_dict().items()}
    state["module.encoder_q.fc.0.weight"] = torch.zeros(5, 5)
    state["module.encoder_k.conv1.weight"] = torch.zeros(1)
    return {"state_dict": state, "epoch": 100}, src


@pytest.mark.parametrize("layout", ["ssl4eo_moco", "torchgeo_timm"])
def test_pretrained_checkpoints_adapt_first_conv_to_bands(layout):
    blob, src = _ssl4eo_checkpoint(16, (1, 1, 1, 1))
    if layout == "torchgeo_timm":  # plain keys + classifier head, as torchgeo's SSL4EO-S12 weights
        blob = {k.removeprefix("module.encoder_q."): v for k, v in blob["state_dict"].items()
                if k.startswith("module.encoder_q.")}
        blob["fc.weight"] = torch.zeros(3, 3)
    bands = ["B2", "B3", "B4", "B8", "B11"]
    model = UNet(UNetConfig(bands=bands, class_values=[0, 1], width=16, blocks=(1, 1, 1, 1)))
    state = encoder_state(blob, bands, None, model.encoder.state_dict())
    model.encoder.load_state_dict(state, strict=False)
    got = model.encoder.conv1.weight.detach()
    want = src.conv1.weight.detach()[:, [1, 2, 3, 7, 11]] * 13 / 5
    assert torch.allclose(got, want)
    assert torch.equal(model.encoder.layer3[0].conv2.weight, src.layer3[0].conv2.weight)
    assert [canonical_band(b) for b in ("B02", "b8a", "B12")] == ["B2", "B8A", "B12"]
    assert S2_13_BANDS.index("B11") == 11


def test_checkpoint_of_another_width_is_refused():
    from ai4c.core.errors import InvalidProductError

    blob, _ = _ssl4eo_checkpoint(16, (1, 1, 1, 1))
    model = UNet(UNetConfig(bands=["B2"], class_values=[0, 1], width=8, blocks=(1, 1, 1, 1)))
    with pytest.raises(InvalidProductError, match="does not fit"):
        encoder_state(blob, ["B2"], None, model.encoder.state_dict())


def test_moco_queue_never_holds_the_query_patch_as_a_negative():
    """InfoNCE against an independent computation: the queue's older keys of the query's own patch are not
    negatives, and the batch's keys enter the queue only after its loss."""
    from ai4c.ml.segmentation.ssl import MoCo, queue_size

    torch.manual_seed(0)
    model = MoCo(EncoderConfig(4, 8, (1, 1, 1, 1)), dim=16, queue=6)
    model.queue_ids.copy_(torch.tensor([0, 1, 7, 2, 9, 3]))  # older keys of patches 0..3 (the batch) and 7, 9
    ids = torch.tensor([0, 1, 2, 3])
    x = torch.randn(4, 4, 32, 32)
    queue = model.queue.clone()
    loss = model(x, x + 0.1, ids, 0.2, torch.Generator().manual_seed(0))
    with torch.no_grad():
        q = torch.cat([F.normalize(model.head_q(model.encoder_q.pooled(x[g])), dim=1)  # batch norm per half
                       for g in (slice(0, 2), slice(2, 4))])
        k = model.queue[[0, 1, 2, 3]]  # this batch's keys, enqueued after the loss at positions 0..3
        own = {0: 0, 1: 1, 2: 3, 3: 5}  # queue position of each query's own older key
        want = 0.0
        for i in range(4):
            negatives = queue[[j for j in range(6) if j != own[i]]]
            logits = torch.cat([(q[i] * k[i]).sum().view(1), negatives @ q[i]]) / 0.2
            want += float(torch.logsumexp(logits, 0) - logits[0]) / 4
    assert float(loss.detach()) == pytest.approx(want, abs=1e-5)
    assert model.queue_ids.tolist() == [0, 1, 2, 3, 9, 3] and int(model.ptr) == 4
    assert queue_size(4096, 32, 1000) == 968 and queue_size(4096, 8, 10) == 8 and queue_size(64, 8, 1000) == 64


def _sign_task() -> tuple[np.ndarray, np.ndarray, UNet]:
    """Four 2-band patches labelled by the sign of their first band, and a small U-Net."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 2, 64, 64)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int16), UNet(UNetConfig(bands=["B2", "B3"], class_values=[0, 1], **SMALL))


def test_frozen_encoder_and_encoder_learning_rate():
    """A frozen encoder (weights and batch-norm statistics) stays as loaded while the decoder learns; an
    encoder rate is its own optimiser group and decays to 1 % of itself with the cosine schedule."""
    from ai4c.ml.segmentation.train import TrainSettings, cosine_decay, parameter_groups, train

    x, y, model = _sign_task()
    encoder = {k: v.clone() for k, v in model.encoder.state_dict().items()}
    head = model.head.weight.detach().clone()
    train(model, x, y, x, y, TrainSettings(epochs=2, batch_size=2, lr=1e-2, freeze_encoder=True, device="cpu"))
    assert all(torch.equal(v, model.encoder.state_dict()[k]) for k, v in encoder.items())
    assert not torch.equal(head, model.head.weight)
    groups = parameter_groups(UNet(model.config), TrainSettings(lr=1e-3, encoder_lr=1e-4))
    assert [g["lr"] for g in groups] == [1e-3, 1e-4]
    optim = torch.optim.SGD(groups)
    sched = cosine_decay(optim, 4)
    for _ in range(4):
        optim.step()
        sched.step()
    assert [g["lr"] for g in optim.param_groups] == pytest.approx([1e-5, 1e-6])


def test_encoder_frozen_for_the_first_epochs_only():
    """-freeze_epochs 1 of 2: after epoch 1 the encoder (and its batch-norm statistics) is as loaded while the
    head learnt; epoch 2 trains it."""
    from ai4c.ml.segmentation.train import TrainSettings, train

    x, y, model = _sign_task()
    start = {k: v.clone() for k, v in model.encoder.state_dict().items()}
    head = model.head.weight.detach().clone()
    same: list[bool] = []

    def check(row: dict) -> None:
        same.append(all(torch.equal(v, model.encoder.state_dict()[k]) for k, v in start.items()))
        if row["epoch"] == 1:
            assert not torch.equal(head, model.head.weight)

    train(model, x, y, x, y, TrainSettings(epochs=2, batch_size=2, lr=1e-2, freeze_epochs=1, patience=5,
                                           device="cpu"), on_epoch=check)
    assert same == [True, False]


def test_band_skip_feeds_the_standardised_bands_to_the_last_decoder_block():
    """With `band_skip` the last decoder block sees the bands too (4 more input channels): a change of one
    input pixel reaches that pixel's logits through the skip even when the encoder's maps are zeroed; an old
    saved config without the key builds the model without the skip."""
    config = UNetConfig(bands=["B2", "B3", "B4", "B8"], class_values=[0, 1], band_skip=True, **SMALL)
    model, plain = UNet(config).eval(), UNet(UNetConfig(bands=["B2", "B3", "B4", "B8"], class_values=[0, 1], **SMALL))
    assert model.decoder[-1][0].in_channels == plain.decoder[-1][0].in_channels + 4
    with torch.no_grad():
        for p in model.encoder.parameters():
            p.zero_()  # the encoder (BN weights and biases included) outputs zeros: only the skip carries x
        x = torch.zeros(1, 4, 64, 64)
        base = model(x)
        x[0, :, 10, 20] = 5.0
        diff = (model(x) - base).abs().sum(1)[0]
    assert diff[10, 20] > 0 and diff[40, 50] == 0
    old = {k: v for k, v in config.to_dict().items() if k != "band_skip"}
    assert UNetConfig.from_dict(old).band_skip is False


def test_l2sp_and_frozen_batch_norm_statistics():
    """L2-SP keeps the encoder nearer its start than plain fine-tuning (same seed, same data); `encoder_bn`
    frozen keeps the encoder's batch-norm running statistics as loaded while its weights learn."""
    from ai4c.ml.segmentation.train import TrainSettings, l2sp_penalty, train

    def distance(model: UNet, start: dict) -> float:
        now = dict(model.encoder.named_parameters())
        with torch.no_grad():
            return float(sum(((now[k] - v) ** 2).sum() for k, v in start.items()))

    drift = {}
    for weight in (0.0, 10.0):
        x, y, model = _sign_task()
        start = {k: v.detach().clone() for k, v in model.encoder.named_parameters()}
        train(model, x, y, x, y, TrainSettings(epochs=2, batch_size=2, lr=1e-2, l2sp=weight, device="cpu"))
        drift[weight] = distance(model, start)
    assert 0 < drift[10.0] < 0.5 * drift[0.0]
    x, y, model = _sign_task()
    anchor = [p.detach() + 1.0 for p in model.encoder.parameters()]
    n = sum(p.numel() for p in model.encoder.parameters())
    assert float(l2sp_penalty(model, anchor, 0.5)) == pytest.approx(0.5 * n, rel=1e-5)
    stats = {k: v.clone() for k, v in model.encoder.state_dict().items() if "running" in k}
    weights = model.encoder.conv1.weight.detach().clone()
    train(model, x, y, x, y, TrainSettings(epochs=1, batch_size=2, lr=1e-2, encoder_bn="frozen", device="cpu"))
    assert all(torch.equal(v, model.encoder.state_dict()[k]) for k, v in stats.items())
    assert not torch.equal(weights, model.encoder.conv1.weight)
