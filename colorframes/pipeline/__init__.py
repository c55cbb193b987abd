"""Sampling for the v1.5 colorizer (imports torch; import the submodules directly).

pipeline.ColorizePipeline   the sampling loop: dual CFG in one UNet call, shared shot noise, img2img start
conditioning                per-shot context (reference / background tokens in the mode's layout)
guidance                    DualGuidance: branch selection and the official combination
schedulers                  diffusers schedulers with the official schedule (`--scheduler`, `--karras`)
preprocess                  frames <-> tensors: sketch inversion, letterbox, latent masks, crop back
noise                       seeded CPU shot noise, per-frame generators for stochastic schedulers
latent_chain                `--consistency latent`: flow-warped previous latents in frame-anchored segments
acceleration                channels_last, torch.compile (CUDA graphs on CUDA)
offload                     which submodules sit on the GPU in each stage (encode / denoise / decode)
loading                     tiny-random, loading weights, content hashes (device / dtype: foundation.device)
"""
