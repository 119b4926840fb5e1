"""Backend primitives for optimizer steps: one call updates every parameter of a group in place,
written with ``self.xp``.

The cpu backend uses these as they are; ``cuda_optim_step.CudaOptimStep`` overrides them with
multi-tensor kernels (one launch per group). The arithmetic is torch's single-tensor
(``foreach=False``) path, operation for operation in the arrays' dtype, each Python scalar rounded
to that dtype first, so that trajectories match torch's; the kernels follow the same order.
"""
from .optim_step_args import adam_bias_corrections


class OptimStepPrimitives:
    def sgd_step(self, params, grads, momentum_buffers, *, lr, momentum, dampening, weight_decay,
                 nesterov, maximize):
        """SGD on lists of same-shape arrays; ``params`` and the buffers are updated in place.

        ``momentum_buffers`` is None without momentum, else one array per parameter, None where
        the parameter has none yet: its buffer starts as that step's gradient (torch's rule).
        Returns the buffers, new ones in place of the Nones (None without momentum)::

            g = ±grad + weight_decay * p;  buf = momentum * buf + (1 - dampening) * g;
            g = g + momentum * buf (Nesterov) or buf;  p -= lr * g.
        """
        xp = self.xp
        bufs = None if momentum == 0 else list(momentum_buffers)
        for i, (p, g) in enumerate(zip(params, grads)):
            t = p.dtype.type
            work = xp.empty_like(p)  # scratch: each step below rounds as its own array op would
            if maximize:
                g = xp.negative(g)
            if weight_decay != 0:
                g = xp.add(g, xp.multiply(p, t(weight_decay), out=work))
            if bufs is not None:
                buf = bufs[i]
                if buf is None:
                    buf = bufs[i] = xp.array(g, copy=True)
                else:
                    buf *= t(momentum)
                    buf += g if dampening == 0 else xp.multiply(g, t(1 - dampening), out=work)
                g = xp.add(g, xp.multiply(buf, t(momentum), out=work), out=work) if nesterov \
                    else buf
            p += xp.multiply(g, t(-lr), out=work)
        return bufs

    def adam_step(self, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, *, lr, beta1,
                  beta2, eps, weight_decay, decoupled, maximize):
        """Adam (AdamW when ``decoupled``) on lists of same-shape arrays, all updated in place;
        ``max_exp_avg_sqs`` is None unless amsgrad; ``steps`` holds each parameter's step number
        (1 on its first update)::

            m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g;  v_max = max(v_max, v);
            p -= lr / (1 - beta1^t) * m / (sqrt(v or v_max) / sqrt(1 - beta2^t) + eps).
        """
        xp = self.xp
        lerp_weight = 1 - beta1
        for i, (p, g, m, v) in enumerate(zip(params, grads, exp_avgs, exp_avg_sqs)):
            t = p.dtype.type
            # two scratch arrays: each step below rounds as its own array op would
            work, g_work = xp.empty_like(p), xp.empty_like(p)
            if maximize:
                g = xp.negative(g, out=g_work)
            if weight_decay != 0:
                if decoupled:
                    p *= t(1 - lr * weight_decay)
                else:
                    g = xp.add(g, xp.multiply(p, t(weight_decay), out=work), out=g_work)
            # m = lerp(m, g, w) by torch's two branches, exact at w = 0 and w = 1
            diff = xp.subtract(g, m, out=work)
            if abs(lerp_weight) < 0.5:
                diff *= t(lerp_weight)
                m += diff
            else:
                diff *= t(1 - lerp_weight)
                xp.subtract(g, diff, out=m)
            v *= t(beta2)
            square = xp.multiply(g, t(1 - beta2), out=work)
            square *= g
            v += square
            if max_exp_avg_sqs is not None:
                v = xp.maximum(max_exp_avg_sqs[i], v, out=max_exp_avg_sqs[i])
            step_size, bias_correction2_sqrt = adam_bias_corrections(lr, beta1, beta2, steps[i])
            denom = xp.sqrt(v, out=work)
            denom /= t(bias_correction2_sqrt)
            denom += t(eps)
            step = xp.multiply(m, t(-step_size), out=g_work)
            step /= denom
            p += step
