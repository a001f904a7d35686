"""Crop-type mapping: the LSTM model, features, training, fast inference and map post-processing."""
