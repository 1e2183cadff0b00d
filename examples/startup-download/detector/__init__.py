"""Lung nodule detection on CT series of a CHAIMELEON dataset."""
