"""Data: data sets, encoders, training and the CSV-to-model pipeline."""
