"""`ai4c unet`: pixel-level classification of Sentinel-2 patches with a U-Net (seed §5.2.1)."""
