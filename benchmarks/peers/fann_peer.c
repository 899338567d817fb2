/*
 * FANN 2.2 peer for the netc benchmarks (Debian libfann-dev, float build: -lfloatfann).
 *
 * Prints one machine-readable line per benchmark, read by benchmarks/table.py:
 *     RESULT fann <benchmark> <samples per second> <spread %>
 * Lines starting with '#' describe the configuration. Benchmark names are the JMH method names.
 *
 * FANN 2.2 has neither relu nor softmax nor cross-entropy, so the closest cheap equivalents are
 * used: hidden relu -> FANN_LINEAR_PIECE (a clamp to [0, 1], same cost as relu), hidden tanh ->
 * FANN_SIGMOID_SYMMETRIC with steepness 1 (exactly tanh), softmax + cross-entropy -> FANN_SIGMOID
 * outputs with one-hot targets and FANN_ERRORFUNC_LINEAR (squared error).
 *
 * Batch 1 training is fann_train(): FANN's incremental (online) step, forward + backward + update
 * with learning rate 0.01 and momentum 0.9. FANN has no mini-batch SGD with momentum; batch 32 and
 * 128 are measured with FANN_TRAIN_BATCH, where one fann_train_epoch() over a data set of exactly
 * one batch is one step: the summed gradient of the batch, then one update (lr / batch, no
 * momentum: FANN's batch mode has none). Inference is fann_run() on one example.
 *
 * Each benchmark: a pool of 1024 random examples (fixed seed) cycled batch by batch, one warm-up
 * period, then several timed periods; the figure is the mean of the timed periods, the spread half
 * their range in percent of the mean.
 *
 * Usage: fann_peer [warmup_seconds [iterations [seconds_per_iteration]]]
 */
#include <floatfann.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POOL 1024

static double warmup_s = 2.0;
static int iterations = 3;
static double period_s = 2.0;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* SplitMix64: a small fixed-seed generator, so every run sees the same data. */
static uint64_t rng_state;

static uint64_t next_u64(void) {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static double next_double(void) { return (next_u64() >> 11) * 0x1.0p-53; }

/* A pool of POOL examples as FANN data sets of `batch` examples each, with one-hot targets. */
typedef struct {
  struct fann_train_data **sets;
  int count;
  int batch;
} pool_t;

static pool_t make_pool(int inputs, int classes, int batch, double lo, double hi, uint64_t seed) {
  pool_t p;
  rng_state = seed;
  p.batch = batch;
  p.count = POOL / batch;
  p.sets = malloc(sizeof(*p.sets) * p.count);
  for (int s = 0; s < p.count; s++) {
    p.sets[s] = fann_create_train(batch, inputs, classes);
    for (int e = 0; e < batch; e++) {
      for (int i = 0; i < inputs; i++) {
        p.sets[s]->input[e][i] = (fann_type) (lo + (hi - lo) * next_double());
      }
      int label = (int) (next_u64() % (uint64_t) classes);
      for (int j = 0; j < classes; j++) {
        p.sets[s]->output[e][j] = j == label ? 1.0f : 0.0f;
      }
    }
  }
  return p;
}

static void free_pool(pool_t *p) {
  for (int s = 0; s < p->count; s++) {
    fann_destroy_train(p->sets[s]);
  }
  free(p->sets);
}

static struct fann *make_net(int tiny) {
  struct fann *ann = tiny ? fann_create_standard(3, 4, 16, 3)
                          : fann_create_standard(4, 784, 256, 128, 10);
  if (tiny) {
    fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
  } else {
    fann_set_activation_function_hidden(ann, FANN_LINEAR_PIECE);
  }
  fann_set_activation_steepness_hidden(ann, 1.0f);
  fann_set_activation_function_output(ann, FANN_SIGMOID);
  fann_set_train_error_function(ann, FANN_ERRORFUNC_LINEAR);
  fann_set_learning_rate(ann, 0.01f);
  fann_set_learning_momentum(ann, 0.9f);
  srand(42);
  fann_randomize_weights(ann, -0.1f, 0.1f);
  return ann;
}

enum kind { TRAIN_ONLINE, TRAIN_BATCH, PREDICT };

static volatile fann_type sink;

/* Runs one kind of step over the pool for about `seconds`; returns steps per second. */
static double timed(struct fann *ann, pool_t *p, enum kind k, double seconds) {
  long n = 0;
  int s = 0;
  double start = now();
  for (;;) {
    for (int r = 0; r < 16; r++) {
      struct fann_train_data *d = p->sets[s];
      if (k == TRAIN_ONLINE) {
        fann_train(ann, d->input[0], d->output[0]);
      } else if (k == TRAIN_BATCH) {
        sink = fann_train_epoch(ann, d);
      } else {
        sink = fann_run(ann, d->input[0])[0];
      }
      s = s + 1 < p->count ? s + 1 : 0;
    }
    n += 16;
    double elapsed = now() - start;
    if (elapsed >= seconds) {
      return n / elapsed;
    }
  }
}

static void bench(const char *name, int tiny, int batch, enum kind k) {
  struct fann *ann = make_net(tiny);
  if (k == TRAIN_BATCH) {
    fann_set_training_algorithm(ann, FANN_TRAIN_BATCH);
  }
  pool_t p = tiny ? make_pool(4, 3, batch, -1.0, 1.0, 5678 + batch)
                  : make_pool(784, 10, batch, 0.0, 1.0, 1234 + batch);
  timed(ann, &p, k, warmup_s);
  double sum = 0;
  double lo = 1e300;
  double hi = 0;
  printf("# %s:", name);
  for (int i = 0; i < iterations; i++) {
    double rate = timed(ann, &p, k, period_s) * batch;
    printf(" %.1f", rate);
    sum += rate;
    lo = rate < lo ? rate : lo;
    hi = rate > hi ? rate : hi;
  }
  double mean = sum / iterations;
  printf(" samples/s\nRESULT fann %s %.1f %.1f\n", name, mean, 50.0 * (hi - lo) / mean);
  fflush(stdout);
  free_pool(&p);
  fann_destroy(ann);
}

int main(int argc, char **argv) {
  if (argc > 1) warmup_s = atof(argv[1]);
  if (argc > 2) iterations = atoi(argv[2]);
  if (argc > 3) period_s = atof(argv[3]);
  if (iterations < 1 || warmup_s < 0 || period_s <= 0) {
    fprintf(stderr, "usage: fann_peer [warmup_seconds [iterations [seconds_per_iteration]]]\n");
    return 2;
  }
  printf("# fann 2.2 (libfloatfann), single thread; batch 32/128 = FANN_TRAIN_BATCH epochs\n");
  bench("mlpTrainB1", 0, 1, TRAIN_ONLINE);
  bench("mlpTrainB32", 0, 32, TRAIN_BATCH);
  bench("mlpTrainB128", 0, 128, TRAIN_BATCH);
  bench("mlpPredictB1", 0, 1, PREDICT);
  bench("tinyTrainB1", 1, 1, TRAIN_ONLINE);
  bench("tinyPredictB1", 1, 1, PREDICT);
  return 0;
}
