package dev.netc.runtime.train;

import dev.netc.runtime.io.Safetensors;
import dev.netc.runtime.io.SafetensorsException;
import dev.netc.runtime.io.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * A training run's whole state after an epoch, as {@code DIR/checkpoint.safetensors}: the
 * parameters under their own names, the optimizer's buffers under torch's names
 * ({@code NAME.momentum_buffer}, {@code NAME.exp_avg}, {@code NAME.exp_avg_sq}), the shuffled
 * example order as {@code trainer.order}, the best epoch's parameters as {@code best.NAME} (with
 * early stopping), and in the metadata the epoch, optimizer step count, learning rates, the
 * shuffling generator's state and the per-epoch history.
 */
record Checkpoint(int epoch, Map<String, Tensor> parameters, Learner.OptimizerSnapshot optimizer,
    double baseLearningRate, long rngState, int[] order, int bestEpoch, double bestLoss,
    int sinceBest, Map<String, Tensor> bestParameters, List<EpochReport> history) {

  static final String FORMAT = "netc-checkpoint-1";
  private static final String ORDER = "trainer.order";
  private static final String BEST = "best.";

  /** Copies the collections. */
  Checkpoint {
    parameters = Map.copyOf(parameters);
    bestParameters = Map.copyOf(bestParameters);
    order = order.clone();
    history = List.copyOf(history);
  }

  /** Writes {@code DIR/checkpoint.safetensors} atomically (creating DIR if needed). */
  void write(Path dir) throws IOException {
    java.nio.file.Files.createDirectories(dir);
    Map<String, Tensor> tensors = new LinkedHashMap<>(parameters);
    tensors.putAll(optimizer.buffers());
    double[] o = new double[order.length];
    for (int i = 0; i < o.length; i++) {
      o[i] = order[i];
    }
    tensors.put(ORDER, Tensor.ofDoubles(new int[] {o.length}, o));
    bestParameters.forEach((name, t) -> tensors.put(BEST + name, t));
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", FORMAT);
    meta.put("epoch", Integer.toString(epoch));
    meta.put("optimizer_steps", Long.toString(optimizer.steps()));
    meta.put("learning_rate", Double.toString(optimizer.learningRate()));
    meta.put("base_learning_rate", Double.toString(baseLearningRate));
    meta.put("rng_state", Long.toString(rngState));
    meta.put("best_epoch", Integer.toString(bestEpoch));
    meta.put("best_validation_loss", Double.toString(bestLoss));
    meta.put("epochs_without_improvement", Integer.toString(sinceBest));
    meta.put("train_loss", join(EpochReport::trainLoss));
    meta.put("validation_loss", join(EpochReport::validationLoss));
    meta.put("validation_accuracy", join(EpochReport::validationAccuracy));
    meta.put("learning_rates", join(EpochReport::learningRate));
    Safetensors.write(dir.resolve(Trainer.CHECKPOINT_FILE), tensors, meta);
  }

  private String join(ToDoubleFunction<EpochReport> field) {
    StringBuilder sb = new StringBuilder();
    for (EpochReport r : history) {
      sb.append(sb.length() == 0 ? "" : ",").append(field.applyAsDouble(r));
    }
    return sb.toString();
  }

  /**
   * Reads {@code DIR/checkpoint.safetensors}, telling parameters from optimizer buffers by the
   * learner's parameter layout (the learner checks shapes when the state is restored).
   *
   * @throws SafetensorsException if the file is not a netc checkpoint of this network
   */
  static Checkpoint read(Path dir, Learner learner) throws IOException {
    Path file = dir.resolve(Trainer.CHECKPOINT_FILE);
    Safetensors.Contents c = Safetensors.readContents(file, false);
    Map<String, String> meta = c.metadata();
    String source = file.toString();
    if (!FORMAT.equals(meta.get("format"))) {
      throw new SafetensorsException(source, "not a netc checkpoint (metadata 'format' is "
          + (meta.containsKey("format") ? "'" + meta.get("format") + "'" : "missing")
          + ", expected '" + FORMAT + "')");
    }
    Map<String, Tensor> params = new LinkedHashMap<>();
    Map<String, Tensor> best = new LinkedHashMap<>();
    Map<String, Tensor> buffers = new LinkedHashMap<>();
    Tensor orderTensor = null;
    for (Map.Entry<String, Tensor> e : c.tensors().entrySet()) {
      String name = e.getKey();
      if (name.equals(ORDER)) {
        orderTensor = e.getValue();
      } else if (name.startsWith(BEST)) {
        best.put(name.substring(BEST.length()), e.getValue());
      } else if (learner.parameterLayout().stream().anyMatch(s -> s.name().equals(name))) {
        params.put(name, e.getValue());
      } else {
        buffers.put(name, e.getValue());
      }
    }
    if (orderTensor == null || orderTensor.rank() != 1) {
      throw new SafetensorsException(source, "tensor '" + ORDER + "' is missing or not 1-d");
    }
    int[] order = new int[orderTensor.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = (int) orderTensor.get(i);
    }
    try {
      Learner.OptimizerSnapshot opt = new Learner.OptimizerSnapshot(buffers,
          Long.parseLong(need(meta, "optimizer_steps", source)),
          Double.parseDouble(need(meta, "learning_rate", source)));
      return new Checkpoint(Integer.parseInt(need(meta, "epoch", source)), params, opt,
          Double.parseDouble(need(meta, "base_learning_rate", source)),
          Long.parseLong(need(meta, "rng_state", source)), order,
          Integer.parseInt(need(meta, "best_epoch", source)),
          Double.parseDouble(need(meta, "best_validation_loss", source)),
          Integer.parseInt(need(meta, "epochs_without_improvement", source)), best,
          history(meta, source));
    } catch (NumberFormatException e) {
      throw new SafetensorsException(source, "malformed checkpoint metadata: " + e.getMessage());
    }
  }

  private static List<EpochReport> history(Map<String, String> meta, String source)
      throws SafetensorsException {
    double[][] columns = new double[4][];
    String[] keys = {"train_loss", "validation_loss", "validation_accuracy", "learning_rates"};
    int epoch = Integer.parseInt(need(meta, "epoch", source));
    for (int k = 0; k < keys.length; k++) {
      String text = need(meta, keys[k], source);
      String[] parts = text.isEmpty() ? new String[0] : text.split(",");
      if (parts.length != epoch) {
        throw new SafetensorsException(source, "metadata '" + keys[k] + "' has " + parts.length
            + " values for " + epoch + " epochs");
      }
      columns[k] = new double[parts.length];
      for (int i = 0; i < parts.length; i++) {
        columns[k][i] = Double.parseDouble(parts[i]);
      }
    }
    List<EpochReport> history = new ArrayList<>();
    for (int i = 0; i < epoch; i++) {
      history.add(new EpochReport(i + 1, epoch, columns[0][i], columns[1][i], columns[2][i],
          columns[3][i], 0, 0, false));
    }
    return history;
  }

  private static String need(Map<String, String> meta, String key, String source)
      throws SafetensorsException {
    String v = meta.get(key);
    if (v == null) {
      throw new SafetensorsException(source, "checkpoint metadata '" + key + "' is missing");
    }
    return v;
  }
}
