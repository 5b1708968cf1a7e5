"""The live view's forecast of free reps, from the predictive pacer's learned times."""

from __future__ import annotations

from campaigns.pacing import Pacer, PacingState, PredictivePacer


def predicted_free_reps(pacer: Pacer, state: PacingState) -> float:
    """Reps expected to be free when a call launched now would need one (its median
    horizon): the free reps now plus each busy rep's chance of being free by then, from
    the predictive pacer's learned talk and wrap times; other pacers look only at the
    free reps now."""
    free = float(state.ready_reps - state.waiting_persons)
    if not isinstance(pacer, PredictivePacer):
        return free
    pairs, _delay, _person = pacer.horizons()
    tau = pairs[len(pairs) // 2][0]
    handle = pacer.handle
    window = tau + pacer.connect_threshold
    talk_mean, _ = handle.talk_sums(
        handle.talk.bin_indices(state.talking_ages), window - handle.mean_wrap()
    )
    wrap_mean, _ = handle.wrap_sums(handle.wrap.bin_indices(state.wrapping_ages), window)
    return free + talk_mean + wrap_mean
