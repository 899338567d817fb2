package dev.netc.codegen;

import com.palantir.javapoet.NameAllocator;
import dev.netc.ir.Layer;
import dev.netc.ir.Network;
import java.util.ArrayList;
import java.util.List;

/**
 * Every identifier of a generated class. Fixed names (methods, constants, locals, parameters and
 * the simple names of types the code refers to) are reserved first; names derived from user-chosen
 * layer names are then allocated by JavaPoet's {@link NameAllocator}, which appends {@code _} on a
 * clash. So a layer called {@code predict}, {@code x} or {@code INPUT_SIZE} can never collide with
 * a generated member, a local variable, or another layer whose name differs only in case.
 */
final class Names {

  /** Identifiers the emitters write literally; none may be produced for a layer. */
  static final List<String> RESERVED = List.of(
      // constants and fixed fields
      "INPUT_SIZE", "OUTPUT_SIZE", "PARAMETER_COUNT", "TARGET_WIDTH", "DEFAULT_SEED", "LAYOUT",
      "LEARNING_RATE", "MOMENTUM", "WEIGHT_DECAY", "BETA1", "BETA2", "ONE_MINUS_BETA1",
      "ONE_MINUS_BETA2", "EPSILON", "LOSS_SCALE", "input", "stepCount", "learningRate",
      "STATE_SIZE", "STATE_LAYOUT", "softmaxExp", "softmaxMax", "softmaxSum",
      // public and private methods
      "inputSize", "outputSize", "parameterCount", "targetWidth", "parameterLayout",
      "getParameters", "setParameters", "predict", "predictBatch", "copy", "loss", "evaluate",
      "gradient",
      "trainBatch", "trainStep", "resetOptimizer", "zeroGradient", "accumulateGradient",
      "optimizerStep", "getGradient", "forward", "predictForward", "backward", "exampleLoss",
      "outputDelta", "trainExample", "evalExample", "label", "checkBatch", "checkLabels",
      "checkLabel", "checkLength", "update", "step", "layout", "specs", "lossScale", "sumGradients",
      "copyScaled", "addScaled", "setLearningRate", "optimizerStateLayout", "getOptimizerState",
      "setOptimizerState", "optimizerStepCount", "setOptimizerStepCount", "checkStateLength",
      "stateLayout",
      // java.lang.Object members
      "equals", "hashCode", "toString", "getClass", "clone", "finalize", "notify", "notifyAll",
      "wait",
      // parameters and locals
      "x", "xs", "out", "n", "e", "target", "targets", "labels", "grad", "dst", "src", "seed",
      "source", "scale", "total", "xOff", "tOff", "off", "length", "width", "what", "expected",
      "first", "w", "b",
      "z", "a", "d", "g", "dk", "k", "i", "j", "o", "v", "gw", "gb", "pz", "pa", "p", "buf", "m",
      "s", "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "max", "sum", "lse", "ex", "ej",
      "stepSize",
      "bc2Sqrt", "denom", "gi", "mi", "vi", "bi", "t", "zj", "aj", "tj", "xi", "zd", "ad",
      "gOff", "lr", "state", "steps",
      // batched and online kernels
      "xT", "rowW", "rowS1", "rowS2", "wr", "br", "vr", "xRows", "rowAcc", "storeDelta", "zr", "gr",
      "dr", "xr", "c0", "c1", "c2", "c3", "d0", "d1", "d2", "d3", "e0", "xOff0", "S", "CHUNK",
      "SPECIES", "LANES", "KERNEL_PLAN", "REQUESTED_PLAN",
      "KERNEL_SHAPE", "REQUESTED_SHAPE", "CHUNK_SUFFIX", "planChunk", "WIDE_TILES", "batchForward",
      "batchBackward", "sb", "outputRow", "trainOnline",
      // σ over ranges (VectorTanh, VectorRelu)
      "tanhRange", "warmUpVectorOperators", "round", "reluRange", "timesReluDerivative", "aOff",
      "count",
      // steps split over a StepTeam (BatchEmitter.splitMethods)
      "team", "phases", "runPhase", "splitForward", "part", "parts", "partStart", "balancedStart",
      "from", "to", "splitXs", "splitE0", "splitM", "useStepTeam", "splitsSteps", "splitScale",
      "splitFirst", "splitLr", "splitStepSize", "splitBc2Sqrt", "MAX_SPLIT_LAYERS",
      "transposeColumns", "updatePart", "above", "layer",
      // predict of one example over a StepTeam (PredictSplit)
      "predictPhases", "predictPart", "predictXs", "predictXOff", "tiledTo", "ws",
      // predict over weights by columns (ColumnPredict)
      "nonzeroAt", "nonzeroLists", "listNonzero", "xv", "col", "ob", "ib",
      "oEnd", "iEnd", "block", "kFrom", "kTo", "dstOff",
      "onlineUpdate", "settleUpdate", "forwardAfterUpdate", "updateFirstAndForward",
      "deferredUpdate", "deferredScale", "deferredLr", "deferredStepSize", "deferredBc2Sqrt",
      "nextInput", "xn", "zn", "znv",
      "ds", "wi", "xt", "zt", "at", "der", "dd", "gg", "onlineStep", "zo", "xo",
      "go", "mt", "zv", "av", "end", "wbuf", "wv2", "gv", "mv", "vv", "bbuf", "wm", "wv", "bm",
      // shared vector tiles
      "xj", "wj", "wo", "dOff", "ldx", "ldd", "ldw", "ldg", "ldz", "len", "bOff", "wOff", "zOff",
      "bv", "x0", "x1", "x2", "x3", "acc", "bound", "mf", "row", "best", "later", "gl",
      "COLUMN_FORWARD", "columnsIn", "columnsZ", "mp", "vt", "tiled", "run", "rest", "restBlock",
      "nonzero", "vEnd",
      // the ∂W tiles' packed inputs (VectorBatchKernels.packColumns, VectorTiles.gradient)
      "packColumns", "gradientFresh", "packsGradientInputs", "fresh", "xp", "kb", "cw", "blocks",
      // the first layer's ∂W deferred over a whole batch (VectorBatchKernels.deferredGradient)
      "gradientDeferred", "deferredInputs", "deferredDeltas", "jb", "jt", "keepRows",
      "FloatVector",
      "DoubleVector",
      "VectorSpecies", "VectorOperators", "VectorMask",
      // simple names of referenced types (a field of that name would obscure the type)
      "Math", "System", "Arrays", "Locale", "List", "Init", "Scheme", "TensorSpec", "Object", "String",
      "Float", "Double", "Integer", "Long", "IllegalArgumentException", "IllegalStateException",
      "Override", "FloatNetwork", "DoubleNetwork", "TrainableFloatNetwork",
      "TrainableDoubleNetwork", "VectorWarmUp", "NetcMath");

  /**
   * The identifiers derived from one layer's name.
   *
   * @param weight parameter array [out * in]
   * @param bias parameter array [out]
   * @param z pre-activations of the current example
   * @param act activations of the current example
   * @param delta dC/dz of the current example
   * @param weightGrad accumulated weight gradient
   * @param biasGrad accumulated bias gradient
   * @param weightState1 momentum buffer or Adam's first moment, for the weights
   * @param weightState2 Adam's second moment for the weights
   * @param biasState1 momentum buffer or Adam's first moment, for the bias
   * @param biasState2 Adam's second moment for the bias
   * @param forward method computing z and act
   * @param gradient method accumulating weightGrad and biasGrad
   * @param backprop method computing the previous layer's delta
   * @param predict forward method of predict alone, for a layer whose forward keeps what only
   *     training reads (a trainable max pool's argmax)
   */
  record LayerNames(String weight, String bias, String z, String act, String delta,
      String weightGrad, String biasGrad, String weightState1, String weightState2,
      String biasState1, String biasState2, String forward, String gradient, String backprop,
      String predict) {}

  /**
   * The identifiers of one layer's mini-batch buffers, each holding a chunk of examples.
   *
   * @param act activations, batch-major [sample][feature]
   * @param actT pre-activations then activations, feature-major [feature][sample]
   * @param der σ'(z), batch-major
   * @param delta dC/dz, batch-major
   * @param z pre-activations, batch-major (read for the output layer's loss)
   * @param forward the batched forward method
   * @param gradient the batched weight-gradient method
   * @param backprop the batched back-propagation method
   * @param online the one-example method fusing back-propagation, gradient and update
   * @param packed the layer's inputs of the chunk copied for its ∂W tiles (vector backend)
   */
  record BatchNames(String act, String actT, String der, String delta, String z, String forward,
      String gradient, String backprop, String online, String packed, String deferredGradient) {}

  private final List<LayerNames> layers;
  private final List<BatchNames> batch;
  private final NameAllocator alloc = new NameAllocator();

  Names(Network network, String state1Suffix, String state2Suffix) {
    for (String r : RESERVED) {
      String got = alloc.newName(r, r);
      if (!got.equals(r)) {
        throw new IllegalStateException("reserved name " + r + " was renamed to " + got);
      }
    }
    List<LayerNames> list = new ArrayList<>();
    for (Layer l : network.layers()) {
      String n = l.name();
      int first = n.codePointAt(0);
      String cap = new StringBuilder().appendCodePoint(Character.toUpperCase(first))
          .append(n, Character.charCount(first), n.length()).toString();
      list.add(new LayerNames(
          fresh(alloc, n + "Weight"), fresh(alloc, n + "Bias"), fresh(alloc, n + "Z"),
          fresh(alloc, n + "Act"), fresh(alloc, n + "Delta"), fresh(alloc, n + "WeightGrad"),
          fresh(alloc, n + "BiasGrad"), fresh(alloc, n + "Weight" + state1Suffix),
          fresh(alloc, n + "Weight" + state2Suffix), fresh(alloc, n + "Bias" + state1Suffix),
          fresh(alloc, n + "Bias" + state2Suffix), fresh(alloc, "forward" + cap),
          fresh(alloc, "gradient" + cap), fresh(alloc, "backprop" + cap),
          fresh(alloc, "predict" + cap)));
    }
    this.layers = List.copyOf(list);
    List<BatchNames> b = new ArrayList<>();
    for (Layer l : network.layers()) {
      String n = l.name();
      b.add(new BatchNames(fresh(alloc, n + "BatchAct"), fresh(alloc, n + "BatchActT"),
          fresh(alloc, n + "BatchDer"), fresh(alloc, n + "BatchDelta"),
          fresh(alloc, n + "BatchZ"), fresh(alloc, n + "ForwardBatch"),
          fresh(alloc, n + "GradientBatch"), fresh(alloc, n + "BackpropBatch"),
          fresh(alloc, n + "Online"), fresh(alloc, n + "BatchPacked"),
          fresh(alloc, n + "GradientDeferred")));
    }
    this.batch = List.copyOf(b);
  }

  private static String fresh(NameAllocator alloc, String suggestion) {
    return alloc.newName(suggestion, new Object());
  }

  /** A fresh name for a helper method, unique among all names of the class. */
  String helper(String suggestion) {
    return fresh(alloc, suggestion);
  }

  /** Mini-batch names of layer {@code index}. */
  BatchNames batch(int index) {
    return batch.get(index);
  }

  /** Names of layer {@code index}. */
  LayerNames layer(int index) {
    return layers.get(index);
  }
}
