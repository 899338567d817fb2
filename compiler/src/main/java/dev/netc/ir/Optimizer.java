package dev.netc.ir;

import dev.netc.runtime.OptimizerLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An optimizer with {@code torch.optim} semantics: the one place that knows its update rule, both
 * as numbers (for the interpreter) and as Java templates (for the generated classes' batched,
 * one-example and Vector API paths).
 *
 * <p>Numbers: per-element arithmetic is rounded to the network's precision after every operation,
 * as float code computes it; per-step scalars (Adam's bias corrections) are computed in double, as
 * torch computes them in Python, then rounded once. Templates: generated code holds the learning
 * rate in a {@code double} field {@code learningRate} and the step count, already counting the
 * current step, in {@code stepCount}; {@link #javaStepScalars} turns them into per-step locals of
 * the network's type, which the emitters pass on to the update loops. An update template reads
 * the element's old value from a local {@code wi} and its gradient from a local {@code gi} (or
 * the vectors {@code wv} and {@code gv}). Terms whose hyperparameter is zero (weight decay,
 * momentum) are left out of the generated code altogether.
 *
 * <p>State buffers flush subnormal values to zero, as {@code torch.set_flush_denormal(True)}
 * does. A parameter whose gradient stays zero (a dead ReLU unit's weights, a pixel that is zero in
 * every image) has its momentum buffer decay geometrically into the subnormal range, where
 * μ = 0.9 never reaches zero (0.9·k ulps rounds back to k ulps for k ≤ 4) and every later step
 * multiplies subnormals: Intel cores take a microcode assist for each, which made the MLP's
 * training steps 6× (batch 1 and 128) to 20× (batch 32) slower on an AVX-512 Xeon (AMD cores
 * barely slow down). Java cannot set the FPU's flush-to-zero mode, so the rule does it; what it
 * drops is below 1.2e-38 (float), far below a rounding error of any weight it would move.
 */
public sealed interface Optimizer {

  /** The learning rate η of the .net file (generated code and the interpreter may change it). */
  double lr();

  /** L2 penalty added to the gradient before the update (torch's {@code weight_decay}). */
  double weightDecay();

  /** Canonical DSL text with every hyperparameter. */
  String describe();

  /**
   * The per-parameter state buffers, named as in torch's optimizer state: none (plain SGD),
   * {@code momentum_buffer}, or {@code exp_avg} then {@code exp_avg_sq} (Adam).
   */
  List<String> stateBuffers();

  /**
   * True if the first step treats the state differently from the others (SGD's momentum buffer
   * starts as the gradient); generated code then passes a {@code first} flag to the update.
   */
  default boolean firstStepRule() {
    return false;
  }

  /**
   * One step over a flat parameter vector: updates {@code params} in place from {@code grad} (left
   * unchanged) and {@code state} (one array per {@link #stateBuffers()} entry, each as long as
   * {@code params}), with learning rate {@code lr}; {@code steps} counts this step (1 first).
   */
  void step(double[] params, double[] grad, double[][] state, long steps, double lr, Precision p);

  /** The hyperparameter constants the templates name, with their values, in declaration order. */
  Map<String, Double> javaConstants();

  /**
   * The per-step locals (name → expression of the network's type) computed from the fields
   * {@code learningRate} and {@code stepCount}, in the order the update methods take them.
   */
  Map<String, String> javaStepScalars(Precision p);

  /**
   * Statements updating one element: {@code param} is the element, {@code state} its buffers (in
   * {@link #stateBuffers()} order), {@code type} the network's scalar type; {@code first}, when not
   * null, is true on the first step (SGD's buffer then starts as the gradient; pass null where the
   * buffers are known to be zero on the first step, so that {@code μ·0 + g = g} does the same);
   * {@code branchFree} writes the subnormal flush without a branch ({@link
   * Precision#flushStatement}; else {@link Precision#branchingFlushStatement}), whichever
   * measured faster where the statements go.
   */
  default List<String> javaUpdate(String type, String param, List<String> state, String first,
      Precision p, boolean branchFree) {
    List<String> s = new ArrayList<>();
    if (weightDecay() != 0) {
      s.add("gi += WEIGHT_DECAY * wi");
    }
    s.addAll(javaRule(type, param, state, first, p, branchFree));
    return s;
  }

  /** {@link #javaUpdate} after the weight decay term: the optimizer's own rule. */
  List<String> javaRule(String type, String param, List<String> state, String first,
      Precision p, boolean branchFree);

  /**
   * Vector API statements updating the elements {@code [at, at + LANES)} of {@code param} and of
   * the arrays {@code state}: {@code vector} is the simple name of the vector class.
   */
  default List<String> javaVectorUpdate(String vector, String param, List<String> state,
      String at, Precision p) {
    List<String> s = new ArrayList<>();
    if (weightDecay() != 0) {
      s.add("gv = wv.mul(WEIGHT_DECAY).add(gv)");
    }
    s.addAll(javaVectorRule(vector, param, state, at, p));
    return s;
  }

  /** {@link #javaVectorUpdate} after the weight decay term: the optimizer's own rule. */
  List<String> javaVectorRule(String vector, String param, List<String> state, String at,
      Precision p);

  /** The statement flushing the state local {@code x} to zero when it is subnormal. */
  private static String flush(String x, Precision p, boolean branchFree) {
    return branchFree ? p.flushStatement(x) : p.branchingFlushStatement(x);
  }

  /**
   * {@code torch.optim.SGD} without dampening: g += wd θ; buf = g on the first step, else
   * buf = μ buf + g; g = nesterov ? g + μ buf : buf (when μ ≠ 0); θ -= η g.
   */
  record Sgd(double lr, double momentum, boolean nesterov, double weightDecay)
      implements Optimizer {
    /** Validates the hyperparameters. */
    public Sgd {
      if (!(lr > 0) || Double.isInfinite(lr)) {
        throw new IllegalArgumentException("sgd lr must be finite and > 0");
      }
      if (!(momentum >= 0) || Double.isInfinite(momentum)) {
        throw new IllegalArgumentException("sgd momentum must be finite and >= 0");
      }
      if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
        throw new IllegalArgumentException("sgd weight_decay must be finite and >= 0");
      }
      if (nesterov && momentum == 0) {
        throw new IllegalArgumentException("sgd nesterov needs momentum > 0");
      }
    }

    @Override
    public String describe() {
      return "sgd(lr = " + Decimals.of(lr) + ", momentum = " + Decimals.of(momentum)
          + ", nesterov = " + nesterov + ", weight_decay = " + Decimals.of(weightDecay) + ")";
    }

    @Override
    public List<String> stateBuffers() {
      return momentum != 0 ? List.of(OptimizerLayout.MOMENTUM_BUFFER) : List.of();
    }

    @Override
    public boolean firstStepRule() {
      return momentum != 0;
    }

    @Override
    public void step(double[] params, double[] grad, double[][] state, long steps, double lr,
        Precision p) {
      // Hyperparameters are literals of the network's type in float code.
      double eta = p.round(lr);
      double mu = p.round(momentum);
      double wd = p.round(weightDecay);
      boolean first = steps == 1;
      double[] buf = momentum != 0 ? state[0] : null;
      for (int i = 0; i < params.length; i++) {
        double theta = params[i];
        double g = grad[i];
        if (wd != 0) {
          g = p.round(g + p.round(wd * theta));
        }
        if (buf != null) {
          // torch clones the first gradient into the buffer instead of scaling a zero buffer.
          buf[i] = p.flushSubnormal(first ? g : p.round(p.round(mu * buf[i]) + g));
          g = nesterov ? p.round(g + p.round(mu * buf[i])) : buf[i];
        }
        params[i] = p.round(theta - p.round(eta * g));
      }
    }

    @Override
    public Map<String, Double> javaConstants() {
      Map<String, Double> c = new LinkedHashMap<>();
      if (weightDecay != 0) {
        c.put("WEIGHT_DECAY", weightDecay);
      }
      if (momentum != 0) {
        c.put("MOMENTUM", momentum);
      }
      return c;
    }

    @Override
    public Map<String, String> javaStepScalars(Precision p) {
      return Map.of("lr", p.cast("learningRate"));
    }

    @Override
    public List<String> javaRule(String type, String param, List<String> state, String first,
        Precision p, boolean branchFree) {
      List<String> s = new ArrayList<>();
      if (momentum == 0) {
        s.add(param + " = wi - lr * gi");
        return s;
      }
      String buf = state.get(0);
      s.add(type + " bi = " + (first != null ? first + " ? gi : " : "") + "MOMENTUM * " + buf
          + " + gi");
      s.add(flush("bi", p, branchFree));
      s.add(buf + " = bi");
      s.add(param + (nesterov ? " = wi - lr * (gi + MOMENTUM * bi)" : " = wi - lr * bi"));
      return s;
    }

    @Override
    public List<String> javaVectorRule(String vector, String param, List<String> state,
        String at, Precision p) {
      List<String> s = new ArrayList<>();
      if (momentum == 0) {
        s.add("wv.sub(gv.mul(lr)).intoArray(" + param + ", " + at + ")");
        return s;
      }
      String buf = state.get(0);
      s.add(vector + " bv = " + vector + ".fromArray(SPECIES, " + buf + ", " + at
          + ").mul(MOMENTUM).add(gv)");
      s.add(p.vectorFlushStatement("bv"));
      s.add("bv.intoArray(" + buf + ", " + at + ")");
      s.add((nesterov ? "wv.sub(bv.mul(MOMENTUM).add(gv).mul(lr))" : "wv.sub(bv.mul(lr))")
          + ".intoArray(" + param + ", " + at + ")");
      return s;
    }
  }

  /**
   * {@code torch.optim.Adam} (not AdamW): g += wd θ; m = β1 m + (1-β1) g; v = β2 v + (1-β2) g²;
   * step_size = η / (1-β1^t); denom = sqrt(v) / sqrt(1-β2^t) + eps; θ -= step_size · m / denom.
   */
  record Adam(double lr, double beta1, double beta2, double eps, double weightDecay)
      implements Optimizer {
    /** Validates the hyperparameters. */
    public Adam {
      if (!(lr > 0) || Double.isInfinite(lr)) {
        throw new IllegalArgumentException("adam lr must be finite and > 0");
      }
      if (!(beta1 >= 0 && beta1 < 1)) {
        throw new IllegalArgumentException("adam beta1 must be in [0, 1)");
      }
      if (!(beta2 >= 0 && beta2 < 1)) {
        throw new IllegalArgumentException("adam beta2 must be in [0, 1)");
      }
      if (!(eps >= 0) || Double.isInfinite(eps)) {
        throw new IllegalArgumentException("adam eps must be finite and >= 0");
      }
      if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
        throw new IllegalArgumentException("adam weight_decay must be finite and >= 0");
      }
    }

    @Override
    public String describe() {
      return "adam(lr = " + Decimals.of(lr) + ", beta1 = " + Decimals.of(beta1) + ", beta2 = "
          + Decimals.of(beta2) + ", eps = " + Decimals.of(eps) + ", weight_decay = "
          + Decimals.of(weightDecay) + ")";
    }

    @Override
    public List<String> stateBuffers() {
      return List.of(OptimizerLayout.EXP_AVG, OptimizerLayout.EXP_AVG_SQ);
    }

    @Override
    public void step(double[] params, double[] grad, double[][] state, long steps, double lr,
        Precision p) {
      double stepSize = p.round(lr / (1.0 - Math.pow(beta1, steps)));
      double bias2Sqrt = p.round(Math.sqrt(1.0 - Math.pow(beta2, steps)));
      double b1 = p.round(beta1);
      double b2 = p.round(beta2);
      double c1 = p.round(1.0 - beta1);
      double c2 = p.round(1.0 - beta2);
      double e = p.round(eps);
      double wd = p.round(weightDecay);
      double[] m = state[0];
      double[] v = state[1];
      for (int i = 0; i < params.length; i++) {
        double theta = params[i];
        double g = grad[i];
        if (wd != 0) {
          g = p.round(g + p.round(wd * theta));
        }
        m[i] = p.flushSubnormal(p.round(p.round(b1 * m[i]) + p.round(c1 * g)));
        v[i] = p.flushSubnormal(p.round(p.round(b2 * v[i]) + p.round(p.round(c2 * g) * g)));
        double denom = p.round(p.round(p.round(Math.sqrt(v[i])) / bias2Sqrt) + e);
        params[i] = p.round(theta - p.round(stepSize * p.round(m[i] / denom)));
      }
    }

    @Override
    public Map<String, Double> javaConstants() {
      Map<String, Double> c = new LinkedHashMap<>();
      if (weightDecay != 0) {
        c.put("WEIGHT_DECAY", weightDecay);
      }
      c.put("BETA1", beta1);
      c.put("ONE_MINUS_BETA1", 1 - beta1);
      c.put("BETA2", beta2);
      c.put("ONE_MINUS_BETA2", 1 - beta2);
      c.put("EPSILON", eps);
      return c;
    }

    @Override
    public Map<String, String> javaStepScalars(Precision p) {
      Map<String, String> s = new LinkedHashMap<>();
      s.put("stepSize", p.cast("learningRate / (1.0 - Math.pow(" + Decimals.of(beta1)
          + ", stepCount))"));
      s.put("bc2Sqrt", p.cast("Math.sqrt(1.0 - Math.pow(" + Decimals.of(beta2)
          + ", stepCount))"));
      return s;
    }

    @Override
    public List<String> javaRule(String type, String param, List<String> state, String first,
        Precision p, boolean branchFree) {
      List<String> s = new ArrayList<>();
      String m = state.get(0);
      String v = state.get(1);
      s.add(type + " mi = BETA1 * " + m + " + ONE_MINUS_BETA1 * gi");
      s.add(type + " vi = BETA2 * " + v + " + ONE_MINUS_BETA2 * gi * gi");
      s.add(flush("mi", p, branchFree));
      s.add(flush("vi", p, branchFree));
      s.add(m + " = mi");
      s.add(v + " = vi");
      s.add(param + " = wi - stepSize * (mi / (" + p.cast("Math.sqrt(vi)")
          + " / bc2Sqrt + EPSILON))");
      return s;
    }

    @Override
    public List<String> javaVectorRule(String vector, String param, List<String> state,
        String at, Precision p) {
      List<String> s = new ArrayList<>();
      String m = state.get(0);
      String v = state.get(1);
      s.add(vector + " mv = " + vector + ".fromArray(SPECIES, " + m + ", " + at
          + ").mul(BETA1).add(gv.mul(ONE_MINUS_BETA1))");
      // (1 - β2) g · g multiplied in javaRule's order: both backends step to the same bits.
      s.add(vector + " vv = " + vector + ".fromArray(SPECIES, " + v + ", " + at
          + ").mul(BETA2).add(gv.mul(ONE_MINUS_BETA2).mul(gv))");
      s.add(p.vectorFlushStatement("mv"));
      s.add(p.vectorFlushStatement("vv"));
      s.add("mv.intoArray(" + m + ", " + at + ")");
      s.add("vv.intoArray(" + v + ", " + at + ")");
      s.add("wv.sub(mv.div(vv.sqrt().div(bc2Sqrt).add(EPSILON)).mul(stepSize)).intoArray("
          + param + ", " + at + ")");
      return s;
    }
  }
}
