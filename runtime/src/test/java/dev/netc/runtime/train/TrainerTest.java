package dev.netc.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.LossReduction;
import dev.netc.runtime.SplitMix64;
import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.io.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The library training loop on a hand-written network (no compiler involved). */
class TrainerTest {
  @TempDir Path dir;

  /** y = 2 x0 - 3 x1 + 0.5 (times {@code sign}) plus a little noise, n rows. */
  private static Dataset linear(int n, double sign, long seed) {
    SplitMix64 rng = new SplitMix64(seed);
    double[] x = new double[2 * n];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      x[2 * i] = rng.nextDouble() * 2 - 1;
      x[2 * i + 1] = rng.nextDouble() * 2 - 1;
      y[i] = sign * (2 * x[2 * i] - 3 * x[2 * i + 1] + 0.5) + 0.01 * (rng.nextDouble() - 0.5);
    }
    return Dataset.ofDoubles(x, y, 2, 1, 0);
  }

  private static double[] params(LinearNet net) {
    double[] p = new double[net.parameterCount()];
    net.getParameters(p);
    return p;
  }

  @Test
  void fitLearnsAndReportsEveryEpoch() {
    LinearNet net = new LinearNet(2, 1, 0.05, 0.9, 1);
    List<EpochReport> seen = new ArrayList<>();
    TrainingResult r = Trainer.builder().epochs(30).batchSize(8).seed(3).validationSplit(0.2)
        .listener(seen::add).build().fit(net, linear(100, 1, 5));
    assertEquals(30, seen.size());
    assertEquals(seen, r.history());
    assertEquals(80, r.last().examples());
    assertTrue(r.last().validationLoss() < 1e-3, r.last()::toString);
    assertTrue(r.history().get(0).trainLoss() > 10 * r.last().trainLoss());
    assertEquals(2, params(net)[0], 0.05);
    assertFalse(r.stoppedEarly());
  }

  @Test
  void theWarmUpTrainsTheRunsOwnStepsToTheSameBits() {
    for (int threads : new int[] {1, 2}) {
      LinearNet cold = new LinearNet(2, 1, 0.05, 0.9, 1);
      LinearNet warm = new LinearNet(2, 1, 0.05, 0.9, 1);
      List<EpochReport> coldEpochs = new ArrayList<>();
      List<EpochReport> warmEpochs = new ArrayList<>();
      List<Integer> warmUps = new ArrayList<>();
      Trainer.builder().epochs(20).batchSize(4).seed(3).threads(threads)
          .listener(coldEpochs::add).build().fit(cold, linear(100, 1, 5));
      Trainer.builder().epochs(20).batchSize(4).seed(3).threads(threads).warmUp(true)
          .listener(new TrainingListener() {
            @Override
            public void onEpoch(EpochReport report) {
              warmEpochs.add(report);
            }

            @Override
            public void onWarmUp(int steps, long nanos) {
              assertTrue(nanos > 0);
              warmUps.add(steps);
            }
          }).build().fit(warm, linear(100, 1, 5));
      assertArrayEquals(params(cold), params(warm));
      for (int e = 0; e < 20; e++) {
        assertEquals(coldEpochs.get(e).trainLoss(), warmEpochs.get(e).trainLoss(), 0.0);
      }
      // Heard of once: when its groups of steps settled (at least 100 steps, whole groups), or
      // when the 500 steps ran out first.
      assertEquals(1, warmUps.size());
      int steps = warmUps.get(0);
      assertTrue(steps == 500 || steps >= JitWarmUp.MIN_STEPS && steps % JitWarmUp.GROUP == 0,
          () -> steps + " steps");
    }
  }

  @Test
  void theWarmUpRunsASplitStepsPartsOnTheCallerThenOnTheTeam() {
    LinearNet cold = new LinearNet(2, 1, 0.05, 0.9, 1).splitting();
    LinearNet warm = new LinearNet(2, 1, 0.05, 0.9, 1).splitting();
    List<Integer> warmUps = new ArrayList<>();
    Trainer.builder().epochs(100).batchSize(4).seed(3).threads(2).build()
        .fit(cold, linear(100, 1, 5));
    Trainer.builder().epochs(100).batchSize(4).seed(3).threads(2).warmUp(true)
        .listener(new TrainingListener() {
          @Override
          public void onEpoch(EpochReport report) {}

          @Override
          public void onWarmUp(int steps, long nanos) {
            warmUps.add(steps);
          }
        }).build().fit(warm, linear(100, 1, 5));
    assertArrayEquals(params(cold), params(warm));
    assertEquals(2500, warm.stepsOffTheCaller.size());
    // A team throughout: a helper ran a part of most steps. The caller runs a helper's part
    // itself where the helper has not taken it in time (StepTeam.STEAL_NANOS; LinearNet's part
    // 0 waits up to 20 ms for it): a helper off its core that long on a busy host misses some.
    // (With a 200 µs wait a CI run on a busy 2-core host saw 859 of 2500.)
    long off = cold.stepsOffTheCaller.stream().filter(o -> o).count();
    assertTrue(off >= 1250, "cold: a team throughout, but only " + off + " of 2500 steps");
    assertEquals(1, warmUps.size());
    int steps = warmUps.get(0);
    // The warm-up's steps ran their parts on the calling thread (a rehearsal), the rest on the
    // team.
    for (int s = 0; s < steps; s++) {
      assertFalse(warm.stepsOffTheCaller.get(s), "step " + s + " of " + steps);
    }
    long teamed = warm.stepsOffTheCaller.subList(steps, 2500).stream().filter(o -> o).count();
    assertTrue(teamed >= (2500 - steps) / 2, teamed + " of " + (2500 - steps)
        + " steps after the warm-up on the team");
  }

  @Test
  void jitWarmUpRunsWholeGroupsUntilTheyAreSteady() {
    int[] calls = {0};
    int steps = JitWarmUp.run(() -> calls[0]++);
    assertEquals(calls[0], steps);
    assertTrue(steps >= JitWarmUp.MIN_STEPS && steps % JitWarmUp.GROUP == 0, steps + " steps");
  }

  @Test
  void evaluateIsTheLossAndThePredictionsOfEveryRow() {
    LinearNet net = new LinearNet(2, 1, 0.05, 0.9, 1);
    Trainer.builder().epochs(3).batchSize(8).seed(3).build().fit(net, linear(100, 1, 5));
    // 600 rows: chunks of Learner.EVAL_CHUNK and a short last one, sum and mean reductions.
    Dataset data = linear(600, -1, 9);
    for (LossReduction reduction : LossReduction.values()) {
      try (Learner learner = Learner.of(net, reduction)) {
        Learner.Evaluation e = learner.evaluate(data);
        assertEquals(learner.loss(data), e.loss(), 0.0, reduction::toString);
        assertArrayEquals(learner.predictAll(data), e.predictions(), 0.0);
      }
    }
  }

  @Test
  void aScheduleSetsTheRateOfEachEpoch() {
    LinearNet net = new LinearNet(2, 1, 0.1, 0, 1);
    List<Double> rates = new ArrayList<>();
    Trainer.builder().epochs(12).batchSize(10)
        .schedule(LrSchedule.parse("step(every = 5, gamma = 0.5)"))
        .listener(e -> rates.add(e.learningRate())).build().fit(net, linear(40, 1, 2));
    // torch's StepLR (lr_schedules.txt): epochs 1-5 at 0.1, 6-10 at 0.05, then 0.025.
    assertEquals(List.of(0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025),
        rates);
    assertEquals(0.025, net.learningRate());
  }

  @Test
  void earlyStoppingStopsAndRestoresTheBestEpoch() {
    LinearNet net = new LinearNet(2, 1, 0.05, 0, 1);
    List<double[]> paramsPerEpoch = new ArrayList<>();
    // Validation data of the opposite function: the better the fit, the worse the validation.
    TrainingResult r = Trainer.builder().epochs(50).batchSize(10).earlyStopping(3)
        .validationData(linear(30, -1, 9)).listener(e -> paramsPerEpoch.add(params(net)))
        .build().fit(net, linear(60, 1, 2));
    assertTrue(r.stoppedEarly());
    assertEquals(1, r.bestEpoch());
    assertEquals(4, r.history().size());
    assertTrue(r.restoredBest());
    assertArrayEquals(paramsPerEpoch.get(0), params(net));
  }

  @Test
  void earlyStoppingNeedsValidationData() {
    Trainer t = Trainer.builder().earlyStopping(2).build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> t.fit(new LinearNet(2, 1, 0.1, 0, 1), linear(10, 1, 1)));
    assertEquals("early stopping needs validation data", e.getMessage());
  }

  /** Trains 4 epochs, or stops after {@code crashAfter} as a killed process would. */
  private double[] run(Path checkpoints, Path resume, int crashAfter) {
    return run(checkpoints, resume, crashAfter, 1);
  }

  private double[] run(Path checkpoints, Path resume, int crashAfter, int threads) {
    LinearNet net = new LinearNet(2, 1, 0.05, 0.9, 1);
    Trainer t = Trainer.builder().epochs(4).batchSize(7).seed(11).validationSplit(0.25)
        .threads(threads)
        .earlyStopping(10).schedule(new LrSchedule.Cosine()).checkpoints(checkpoints)
        .resumeFrom(resume).listener(e -> {
          if (e.epoch() == crashAfter) {
            throw new IllegalStateException("killed");
          }
        }).build();
    t.fit(net, linear(50, 1, 4));
    return params(net);
  }

  @Test
  void resumingACheckpointIsBitIdenticalToAnUninterruptedRun() throws IOException {
    double[] whole = run(dir.resolve("a"), null, -1);
    assertThrows(IllegalStateException.class, () -> run(dir.resolve("b"), null, 2));
    double[] resumed = run(dir.resolve("b"), dir.resolve("b"), -1);
    assertArrayEquals(whole, resumed);
    assertArrayEquals(Files.readAllBytes(dir.resolve("a/checkpoint.safetensors")),
        Files.readAllBytes(dir.resolve("b/checkpoint.safetensors")));
  }

  @Test
  void resumingOnTwoThreadsIsBitIdenticalToTwoThreadsUninterrupted() {
    double[] whole = run(dir.resolve("a"), null, -1, 2);
    assertThrows(IllegalStateException.class, () -> run(dir.resolve("b"), null, 3, 2));
    assertArrayEquals(whole, run(dir.resolve("b"), dir.resolve("b"), -1, 2));
  }

  @Test
  void aCheckpointOfOtherDataIsRefused() {
    Trainer.builder().epochs(1).batchSize(5).checkpoints(dir).build()
        .fit(new LinearNet(2, 1, 0.05, 0.9, 1), linear(20, 1, 4));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Trainer.builder().epochs(2).resumeFrom(dir).build()
            .fit(new LinearNet(2, 1, 0.05, 0.9, 1), linear(30, 1, 4)));
    assertEquals("the checkpoint in '" + dir + "' was made with 20 training examples, but this "
        + "run has 30", e.getMessage());
  }

  @Test
  void aCheckpointHoldsTheDocumentedTensorsAndMetadata() throws IOException {
    LinearNet net = new LinearNet(2, 1, 0.05, 0.9, 1);
    Trainer.builder().epochs(2).batchSize(5).checkpoints(dir).validationSplit(0.2)
        .earlyStopping(5).build().fit(net, linear(20, 1, 4));
    Safetensors.Contents c = Safetensors.readContents(dir.resolve("checkpoint.safetensors"),
        false);
    assertEquals(Set.of("fit.weight", "fit.bias", "fit.weight.momentum_buffer",
        "fit.bias.momentum_buffer", "trainer.order", "best.fit.weight", "best.fit.bias"),
        c.tensors().keySet());
    assertEquals(16, c.tensors().get("trainer.order").size());
    assertEquals(Set.of("format", "epoch", "optimizer_steps", "learning_rate",
        "base_learning_rate", "rng_state", "best_epoch", "best_validation_loss",
        "epochs_without_improvement", "train_loss", "validation_loss", "validation_accuracy",
        "learning_rates"), c.metadata().keySet());
    assertEquals("2", c.metadata().get("epoch"));
    assertEquals("8", c.metadata().get("optimizer_steps"));
  }

  @Test
  void aDivergingRunSaysWhere() {
    LinearNet net = new LinearNet(2, 1, 1e200, 0, 1);
    TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
        () -> Trainer.builder().epochs(3).batchSize(4).build().fit(net, linear(12, 1, 1)));
    assertTrue(e.getMessage().startsWith("training diverged in epoch 1"), e.getMessage());
  }

  @Test
  void optionsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> Trainer.builder().epochs(0));
    assertThrows(IllegalArgumentException.class, () -> Trainer.builder().batchSize(0));
    assertThrows(IllegalArgumentException.class, () -> Trainer.builder().threads(0));
    assertThrows(IllegalArgumentException.class, () -> Trainer.builder().validationSplit(1));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Trainer.builder().validationSplit(0.95).build()
            .fit(new LinearNet(2, 1, 0.1, 0, 1), linear(10, 1, 1)));
    assertEquals("a validation split of 0.95 of 10 examples leaves no training example",
        e.getMessage());
  }
}
