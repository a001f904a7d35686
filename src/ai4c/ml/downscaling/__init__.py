"""Stochastic super-resolution GAN (SR-GAN with noise input and static fields) for air-quality downscaling."""
