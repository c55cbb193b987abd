"""ColorizeDiffusion v1.5 ("switch") as torch modules on diffusers / open_clip, plus its converter.

config.py ColorizerConfig (full / tiny sizes, JSON) · colorizer.py SplitColorizer (the sampler's API) ·
unet.py SD2.1 UNet with sketch-hint injection · split_attention.py fg/bg LoRA attn2 processor ·
modes.py vanilla | bg2fig | fig2fig -> LoRA flags and token layouts · sketch_encoder.py,
reference_encoder.py, thresh_embedder.py, bg_transformer.py · keymap.py / convert.py official
checkpoint -> SplitColorizer, converted folders · peft_export.py · registry.py weights registry.

Nothing is imported here so that `colorframes.models.registry` stays light for the CLI.
"""
