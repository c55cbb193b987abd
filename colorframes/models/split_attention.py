"""Split cross-attention: per-pixel choice between a foreground and a background attention branch.

Every UNet attn2 gets a `SplitCrossAttnProcessor` holding fg and bg LoRA adapters for to_q/to_k/to_v
(brief 1(a)). With a mask, the context is split in halves: the fg branch attends x -> first half, the bg
branch x -> second half, each with q/k/v through its own (optionally LoRA'd) projections; the result is
`where(mask > ts_s, fg, bg)` before `to_out`. Without a mask (vanilla) it is plain cross-attention with
the base weights.

Why not peft: peft activates adapters per module for the whole forward, while here two adapters of the
same `to_q` must run side by side in ONE forward and be selected per pixel. Swapping the active adapter
between two sub-calls would be Python state inside the forward (hostile to torch.compile and batching).
The adapter weights keep peft's layout instead: `lora_A.<adapter>` (rank x in) and `lora_B.<adapter>`
(out x rank), adapters `fg` and `bg`, scaling 1 (lora_alpha == r), no dropout, no bias.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

ATTENTION_BACKENDS = ("sdpa", "xformers")


@dataclass
class SplitAttentionInputs:
    """Per-UNet-call state handed to every attn2 through `cross_attention_kwargs["split"]`.

    select: {scale_factor: (B|1, HW, 1) bool}, True where the fg branch wins at that UNet level.
    """

    fg_lora: bool
    bg_lora: bool
    select: dict[float, torch.Tensor]


@dataclass
class ContextKV:
    """Cross-attention keys/values of one shot's context, per attn2, computed once per shot.

    The context is fixed for a whole shot, so to_k / to_v (+ the fg/bg LoRA deltas) of every attn2 are
    projected once (batch 1) instead of at every step for every frame and branch. `kv[name]` is (k, v)
    for plain cross-attention or (k_fg, v_fg, k_bg, v_bg) for split attention, each (1, N', inner).
    `null_kv[name]` is the same for the all-zero reference-null context, or None when it is exactly zero
    (no to_k / to_v bias, as in SD2.1): then softmax sees identical zero keys, the output is the mean of
    zero values, i.e. exactly 0, and attn2 returns to_out's bias for those rows without any attention.
    `branches` says, per block of the UNet batch (CFG branch order), whether it runs the null context.
    """

    kv: dict[str, tuple[torch.Tensor, ...]]
    null_kv: dict[str, tuple[torch.Tensor, ...] | None]
    split: bool
    branches: tuple[bool, ...] = (False,)

    def for_branches(self, branches: tuple[bool, ...]) -> ContextKV:
        return ContextKV(self.kv, self.null_kv, self.split, tuple(branches))


def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int, backend: str = "sdpa") -> torch.Tensor:
    """(B, Lq, H*D), (B, Lk, H*D) x2 -> (B, Lq, H*D) multi-head softmax attention, scale 1/sqrt(D)."""
    b, lq, inner = q.shape
    d = inner // heads
    if backend == "xformers":
        import xformers.ops as xops

        q, k, v = (t.reshape(b, t.shape[1], heads, d) for t in (q, k, v))
        return xops.memory_efficient_attention(q, k, v).reshape(b, lq, inner)
    q, k, v = (t.reshape(b, t.shape[1], heads, d).transpose(1, 2) for t in (q, k, v))
    out = F.scaled_dot_product_attention(q, k, v)  # (B, H, Lq, D)
    return out.transpose(1, 2).reshape(b, lq, inner)


class SplitLoRA(nn.Module):
    """Two low-rank deltas (fg, bg) for one base linear layer, in peft's lora_A / lora_B layout."""

    def __init__(self, in_features: int, out_features: int, fg_rank: int, bg_rank: int) -> None:
        super().__init__()
        down = {"fg": nn.Linear(in_features, fg_rank, bias=False), "bg": nn.Linear(in_features, bg_rank, bias=False)}
        up = {"fg": nn.Linear(fg_rank, out_features, bias=False), "bg": nn.Linear(bg_rank, out_features, bias=False)}
        for name, rank in (("fg", fg_rank), ("bg", bg_rank)):
            nn.init.normal_(down[name].weight, std=1.0 / max(rank, 1))
            nn.init.zeros_(up[name].weight)
        self.lora_A = nn.ModuleDict(down)
        self.lora_B = nn.ModuleDict(up)

    def delta(self, adapter: str, x: torch.Tensor) -> torch.Tensor:
        return self.lora_B[adapter](self.lora_A[adapter](x))


class SelfAttnProcessor:
    """attn1 processor: plain self-attention; accepts (and ignores) the split kwargs."""

    def __init__(self, backend: str = "sdpa") -> None:
        self.backend = backend

    def __call__(
        self,
        attn,
        hidden_states: torch.Tensor,
        encoder_hidden_states: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        temb: torch.Tensor | None = None,
        split: SplitAttentionInputs | None = None,
        context_kv: ContextKV | None = None,
    ) -> torch.Tensor:
        ctx = hidden_states if encoder_hidden_states is None else encoder_hidden_states
        k, v = attn.to_k(ctx), attn.to_v(ctx)  # (B, L, inner)
        out = attend(attn.to_q(hidden_states), k, v, attn.heads, self.backend)
        return attn.to_out[1](attn.to_out[0](out))


class SplitCrossAttnProcessor(nn.Module):
    """attn2 processor with fg/bg LoRA and the per-pixel branch select (see module docstring)."""

    def __init__(
        self,
        query_dim: int,
        context_dim: int,
        inner_dim: int,
        fg_rank: float | int,
        bg_rank: float | int,
        scale_factor: float,
        backend: str = "sdpa",
    ) -> None:
        super().__init__()
        from .config import ColorizerConfig

        r = ColorizerConfig.lora_rank
        self.to_q = SplitLoRA(query_dim, inner_dim, r(fg_rank, query_dim, inner_dim), r(bg_rank, query_dim, inner_dim))
        self.to_k = SplitLoRA(
            context_dim, inner_dim, r(fg_rank, context_dim, inner_dim), r(bg_rank, context_dim, inner_dim)
        )
        self.to_v = SplitLoRA(
            context_dim, inner_dim, r(fg_rank, context_dim, inner_dim), r(bg_rank, context_dim, inner_dim)
        )
        self.scale_factor = float(scale_factor)
        self.backend = backend
        self.name = ""  # the attn_processors key, set by install_processors (ContextKV lookups)

    def _project(self, attn, x: torch.Tensor, ctx: torch.Tensor, adapter: str | None, q_base=None):
        """q/k/v through the base projections plus the adapter's low-rank delta (scale 1)."""
        q = attn.to_q(x) if q_base is None else q_base
        if adapter is not None:
            q = q + self.to_q.delta(adapter, x)
        return (q, *self._kv(attn, ctx, adapter))

    def _kv(self, attn, ctx: torch.Tensor, adapter: str | None) -> tuple[torch.Tensor, torch.Tensor]:
        k, v = attn.to_k(ctx), attn.to_v(ctx)  # (B, N, inner)
        if adapter is not None:
            k = k + self.to_k.delta(adapter, ctx)
            v = v + self.to_v.delta(adapter, ctx)
        return k, v

    def project_context(self, attn, ctx: torch.Tensor, *, fg_lora: bool, bg_lora: bool) -> tuple[torch.Tensor, ...]:
        """(1, N, Cc) context -> the keys/values `__call__` would compute from it (ContextKV entries)."""
        if not (fg_lora or bg_lora):
            return self._kv(attn, ctx, None)
        ctx_fg, ctx_bg = ctx.chunk(2, dim=1)
        return (*self._kv(attn, ctx_fg, "fg" if fg_lora else None), *self._kv(attn, ctx_bg, "bg" if bg_lora else None))

    def _attend_cached(self, attn, x: torch.Tensor, kv: tuple[torch.Tensor, ...], select, split):
        """Attention of (R, HW, C) queries against cached (1, N', inner) keys/values -> (R, HW, inner)."""
        r = x.shape[0]
        q_base = attn.to_q(x)  # (R, HW, inner)
        if len(kv) == 2:
            return attend(q_base, kv[0].expand(r, -1, -1), kv[1].expand(r, -1, -1), attn.heads, self.backend)
        k_fg, v_fg, k_bg, v_bg = (t.expand(r, -1, -1) for t in kv)
        q_fg = q_base + self.to_q.delta("fg", x) if split.fg_lora else q_base
        q_bg = q_base + self.to_q.delta("bg", x) if split.bg_lora else q_base
        out = attend(
            torch.cat([q_fg, q_bg]), torch.cat([k_fg, k_bg]), torch.cat([v_fg, v_bg]), attn.heads, self.backend
        )
        return torch.where(select, out[:r], out[r:])

    def _cached(self, attn, x: torch.Tensor, split: SplitAttentionInputs | None, cache: ContextKV) -> torch.Tensor:
        """attn2 from the shot's cached K/V; reference-null blocks cost nothing when their K/V are zero."""
        n = len(cache.branches)
        b = x.shape[0] // n
        select = None
        if cache.split:
            if split is None:
                raise ValueError("split attention from cached K/V needs the step's split inputs; pass split=")
            select = split.select[self.scale_factor]  # (n*b | 1, HW, 1)
        kinds = ((False, cache.kv[self.name]), (True, cache.null_kv[self.name]))
        out_blocks: dict[int, torch.Tensor] = {}  # branch block -> (b, HW, C); every block is null or not
        for is_null, kv in kinds:
            idx = [i for i, null in enumerate(cache.branches) if bool(null) == is_null]
            if not idx:
                continue
            if kv is None:  # exactly-zero keys and values: attention output 0 -> to_out(0) = its bias
                bias = attn.to_out[0].bias
                shape = (b, x.shape[1], attn.to_out[0].out_features)
                zero = x.new_zeros(shape) if bias is None else bias.to(x.dtype).expand(shape)
                for i in idx:
                    out_blocks[i] = zero
                continue
            rows = torch.cat([x[i * b : (i + 1) * b] for i in idx]) if len(idx) < n else x
            sel = None
            if select is not None:
                sel = select if select.shape[0] == 1 else torch.cat([select[i * b : (i + 1) * b] for i in idx])
            out = attn.to_out[1](attn.to_out[0](self._attend_cached(attn, rows, kv, sel, split)))
            for j, i in enumerate(idx):
                out_blocks[i] = out[j * b : (j + 1) * b]
        return out_blocks[0] if n == 1 else torch.cat([out_blocks[i] for i in range(n)])  # (n*b, HW, C)

    def __call__(  # the diffusers processor protocol
        self,
        attn,
        hidden_states: torch.Tensor,
        encoder_hidden_states: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        temb: torch.Tensor | None = None,
        split: SplitAttentionInputs | None = None,
        context_kv: ContextKV | None = None,
    ) -> torch.Tensor:
        x = hidden_states  # (B, HW, C)
        if context_kv is not None:
            return self._cached(attn, x, split, context_kv)
        ctx = x if encoder_hidden_states is None else encoder_hidden_states  # (B, N, Cc)
        if split is None or not (split.fg_lora or split.bg_lora):
            q, k, v = self._project(attn, x, ctx, None)
            out = attend(q, k, v, attn.heads, self.backend)
            return attn.to_out[1](attn.to_out[0](out))
        b = x.shape[0]
        ctx_fg, ctx_bg = ctx.chunk(2, dim=1)  # (B, N/2, Cc) each
        q_base = attn.to_q(x)  # (B, HW, inner), shared by both branches
        q_fg, k_fg, v_fg = self._project(attn, x, ctx_fg, "fg" if split.fg_lora else None, q_base)
        q_bg, k_bg, v_bg = self._project(attn, x, ctx_bg, "bg" if split.bg_lora else None, q_base)
        # Both branches in one attention call: (2B, ...) with fg first.
        out = attend(
            torch.cat([q_fg, q_bg]), torch.cat([k_fg, k_bg]), torch.cat([v_fg, v_bg]), attn.heads, self.backend
        )
        out_fg, out_bg = out[:b], out[b:]  # (B, HW, inner)
        select = split.select[self.scale_factor]  # (B|1, HW, 1) bool
        out = torch.where(select, out_fg, out_bg)
        return attn.to_out[1](attn.to_out[0](out))


def level_scale_factors(num_levels: int) -> list[float]:
    """Mask interpolation factor per UNet level: 1, 1/2, 1/4, ... (level 0 = latent resolution)."""
    return [0.5**i for i in range(num_levels)]


def install_processors(unet, fg_rank: float | int, bg_rank: float | int, backend: str = "sdpa") -> None:
    """Put a SplitCrossAttnProcessor on every attn2 and a SelfAttnProcessor on every attn1.

    The level (and so the mask scale factor) of an attention module follows from its path:
    down_blocks.i -> level i, mid_block -> deepest level, up_blocks.j -> level (L - 1 - j).
    """
    levels = len(unet.config.block_out_channels)
    scales = level_scale_factors(levels)
    processors: dict[str, SplitCrossAttnProcessor | SelfAttnProcessor] = {}
    for name in unet.attn_processors:
        path = name.split(".")
        if path[0] == "down_blocks":
            level = int(path[1])
        elif path[0] == "up_blocks":
            level = levels - 1 - int(path[1])
        else:
            level = levels - 1
        if name.endswith("attn2.processor"):
            attn = unet.get_submodule(name.rsplit(".", 1)[0])
            cross = SplitCrossAttnProcessor(
                query_dim=attn.to_q.in_features,
                context_dim=attn.to_k.in_features,
                inner_dim=attn.to_q.out_features,
                fg_rank=fg_rank,
                bg_rank=bg_rank,
                scale_factor=scales[level],
                backend=backend,
            )
            cross.name = name
            processors[name] = cross
        else:
            processors[name] = SelfAttnProcessor(backend)
    unet.set_attn_processor(processors)


def xformers_unusable(device: torch.device, dtype: torch.dtype) -> str | None:
    """Why xformers cannot run this attention on `device` in `dtype`, or None when it can.

    One tiny call, not just the import: an xformers wheel built for another torch imports with a warning
    and only fails (NotImplementedError, missing kernels) at its first memory_efficient_attention."""
    try:
        import xformers.ops as xops

        q = torch.zeros(1, 8, 1, 64, device=device, dtype=dtype)  # (B, M, H, K)
        xops.memory_efficient_attention(q, q, q)
    except ModuleNotFoundError:
        return "xformers is not installed"
    except Exception as exc:  # noqa: BLE001 - any failure means "use sdpa", reported with its cause
        first = str(exc).splitlines()[0][:120] if str(exc) else ""
        return f"xformers does not run here ({type(exc).__name__}: {first})"
    return None


def set_attention_backend(unet, backend: str) -> None:
    """Switch every processor between SDPA and xformers (weights untouched)."""
    if backend not in ATTENTION_BACKENDS:
        raise ValueError(f"attention backend must be one of {ATTENTION_BACKENDS}")
    if backend == "xformers":
        import xformers.ops  # noqa: F401 - fail early with ImportError when missing
    for proc in unet.attn_processors.values():
        proc.backend = backend
