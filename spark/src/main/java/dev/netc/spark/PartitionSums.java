package dev.netc.spark;

import java.io.Serializable;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import scala.collection.Iterator;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * Sums a task over the partitions in one Spark job of one stage: each partition folds its blocks
 * into a {@link GradientSum}, and the driver adds the partitions' sums in partition order as
 * they arrive.
 *
 * <p>This is {@code aggregate} without its per-call closures: {@code treeAggregate} and
 * {@code aggregate} wrap the functions in Scala closures that Spark's closure cleaner inspects
 * (reading class files with ASM) on every call, which cost the driver more than the rest of a
 * step's scheduling. The functions here are named classes, which the cleaner passes over. Adding
 * in partition order, not arrival order, makes a step's sum the same in every run, whatever the
 * number of partitions.
 */
final class PartitionSums {
  private PartitionSums() {}

  /** The sum over all partitions of {@code blocks} of {@code fold} from an empty sum. */
  static GradientSum run(JavaRDD<Block> blocks, Function2<GradientSum, Block, GradientSum> fold) {
    InOrder sums = new InOrder(blocks.getNumPartitions());
    blocks.context().runJob(blocks.rdd(), new FoldPartition(fold), sums,
        ClassTag$.MODULE$.apply(GradientSum.class));
    return sums.total();
  }

  /** The task: folds the partition's blocks (one when cached by {@link TrainingData}). */
  private static final class FoldPartition
      extends AbstractFunction2<TaskContext, Iterator<Block>, GradientSum>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Function2<GradientSum, Block, GradientSum> fold;

    FoldPartition(Function2<GradientSum, Block, GradientSum> fold) {
      this.fold = fold;
    }

    @Override
    public GradientSum apply(TaskContext context, Iterator<Block> blocks) {
      GradientSum sum = new GradientSum();
      while (blocks.hasNext()) {
        try {
          sum = fold.call(sum, blocks.next());
        } catch (RuntimeException e) {
          throw e;
        } catch (Exception e) { // Spark's Function2 declares it; the trainer's folds do not throw
          throw new IllegalStateException(e);
        }
      }
      return sum;
    }
  }

  /**
   * On the driver (Spark's scheduler thread): adds each partition's sum once every partition
   * before it has been added, keeping the ones that arrive early.
   */
  private static final class InOrder extends AbstractFunction2<Object, GradientSum, BoxedUnit> {
    private final GradientSum[] early;
    private int next;
    private GradientSum total = new GradientSum();

    InOrder(int partitions) {
      this.early = new GradientSum[partitions];
    }

    @Override
    public synchronized BoxedUnit apply(Object partition, GradientSum sum) {
      early[(Integer) partition] = sum;
      while (next < early.length && early[next] != null) {
        total = total.merge(early[next]);
        early[next++] = null;
      }
      return BoxedUnit.UNIT;
    }

    synchronized GradientSum total() {
      if (next < early.length) {
        throw new IllegalStateException(
            "partition " + next + " of " + early.length + " returned no result");
      }
      return total;
    }
  }
}
