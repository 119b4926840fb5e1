"""Errors a kernel finds on the GPU, raised on the host at the backend's next read.

torch stops a CUDA kernel that meets a class index out of range with a device-side assert.
Checking the targets on the host first would wait for the GPU at every loss: a synchronisation on
the hot path of every training step. Instead the nll kernel records a bad target in a small
buffer of its device, ``(found, target, classes, ignore_index)``, and computes NaN where it found
one; the cuda backend reads the buffer when it next copies a result to the host or synchronises
(when the GPU has caught up anyway) and raises the IndexError the CPU raises at once.
"""


class TargetCheck:
    """One device's bad-target buffer, read only after an nll kernel has run."""

    def __init__(self, xp):
        self._buffer = xp.zeros(4, dtype=xp.int64)
        self._armed = False

    def buffer(self):
        """The buffer for a kernel about to run, which the next ``raise_if_found`` reads."""
        self._armed = True
        return self._buffer

    def raise_if_found(self, device):
        if not self._armed:
            return
        self._armed = False
        found, target, classes, ignore_index = self._buffer.tolist()  # waits for the device
        if found:
            self._buffer.fill(0)
            raise IndexError(
                f"Target {target} is out of bounds. nll_loss expects class indices in "
                f"[0, {classes - 1}] for an input with {classes} classes (or "
                f"ignore_index={ignore_index}). Found on {device}, where the loss ran "
                f"asynchronously: the error shows at the first read after it, and the loss "
                f"computed there is NaN.")
