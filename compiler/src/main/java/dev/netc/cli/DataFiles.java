package dev.netc.cli;

import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.ir.Shape;
import dev.netc.runtime.io.Csv;
import dev.netc.runtime.io.CsvLayout;
import dev.netc.runtime.io.DatasetException;
import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.io.Idx;
import dev.netc.runtime.io.SafetensorsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Reads the examples a command works on: CSV (inputs then targets per row) or IDX image + label
 * files (MNIST format, plain or gzip), recognised by their first bytes.
 */
final class DataFiles {
  private DataFiles() {}

  /**
   * Reads {@code data} (and for IDX its {@code labels}, derived from the image file's name when
   * null) for {@code net}, in the element type the engine wants.
   */
  static Dataset load(Path data, Path labels, boolean header, Network net, Dataset.Type type) {
    return load(data, labels, header, net, type, null);
  }

  /**
   * {@link #load(Path, Path, boolean, Network, Dataset.Type)} with the IDX files {@link #prefetch}
   * has read for it, if not null. The checks and their messages are the same; a file too large
   * for memory as double values is refused once read rather than before (the read assumes
   * float).
   */
  static Dataset load(Path data, Path labels, boolean header, Network net, Dataset.Type type,
      CompletableFuture<Idx.ImageFiles> prefetched) {
    Loss loss = net.loss().orElseThrow(() -> new UserException("network '" + net.name()
        + "' has no loss statement, so netc cannot tell what the targets in '" + data
        + "' are"));
    boolean classes = loss instanceof Loss.CrossEntropy;
    try {
      if (!Files.exists(data)) {
        throw new NoSuchFileException(data.toString());
      }
      Dataset dataset;
      if (Idx.looksLikeIdx(data)) {
        if (!classes) {
          throw new UserException("'" + data + "' is an IDX file with class labels, but network '"
              + net.name() + "' has loss " + loss.keyword() + "; IDX data needs cross_entropy");
        }
        dataset = prefetched != null ? read(prefetched).dataset(net.outputSize(), type)
            : Idx.read(data, labels != null ? labels : labelsFor(data), net.outputSize(), type);
      } else {
        if (labels != null) {
          throw new UserException("--labels is only for IDX image files; '" + data
              + "' is read as CSV with the targets in its last columns");
        }
        CsvLayout layout = classes
            ? CsvLayout.classes(net.inputSize(), net.outputSize())
            : CsvLayout.values(net.inputSize(), net.targetWidth());
        dataset = Csv.read(data, layout.withHeader(header), type);
      }
      return checked(data, net, dataset);
    } catch (DatasetException | SafetensorsException e) {
      throw new UserException(e.getMessage());
    } catch (IOException e) {
      throw new UserException("cannot read '" + fileOf(e, data) + "': " + ModelFile.describe(e));
    }
  }

  /**
   * Starts reading {@code data} and its label file on a thread of its own, before the network is
   * known, if {@code data} is an IDX image file: inflating Fashion-MNIST's training images takes
   * 0.22 s, which then overlaps parsing the network. Null when there is nothing to start (CSV,
   * a missing file, a label file that cannot be named): {@link #load} then reads and reports.
   */
  static CompletableFuture<Idx.ImageFiles> prefetch(Path data, Path labels) {
    Path labelFile;
    try {
      if (!Files.exists(data) || !Idx.looksLikeIdx(data)) {
        return null;
      }
      labelFile = labels != null ? labels : labelsFor(data);
    } catch (IOException | UserException e) {
      return null;
    }
    return CompletableFuture.supplyAsync(() -> {
      try {
        return Idx.readFiles(data, labelFile);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, ON_OWN_THREAD);
  }

  /**
   * Runs each task on a daemon thread of its own: the common pool has one thread on two cores,
   * and loading must not keep the JVM from exiting after an error elsewhere.
   */
  static final Executor ON_OWN_THREAD = task -> {
    Thread thread = new Thread(task, "netc-load");
    thread.setDaemon(true);
    thread.start();
  };

  /** The prefetched files, or the exception reading them threw. */
  private static Idx.ImageFiles read(CompletableFuture<Idx.ImageFiles> prefetched)
      throws IOException {
    try {
      return joined(prefetched);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /**
   * The result of work done on a thread of its own (null for none), or the unchecked exception
   * or error it threw, as it threw it.
   */
  static <T> T joined(CompletableFuture<T> work) {
    if (work == null) {
      return null;
    }
    try {
      return work.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  /**
   * Reads examples for prediction: CSV rows of just the inputs, or of inputs and targets (for a
   * network with a loss; the targets are then read and ignored), or IDX images with their labels.
   */
  static Dataset loadInputs(Path data, Path labels, boolean header, Network net,
      Dataset.Type type) {
    try {
      if (Files.exists(data) && !Idx.looksLikeIdx(data) && net.loss().isPresent()
          && fieldsOfFirstRow(data, header) != net.inputSize()) {
        return load(data, labels, header, net, type);
      }
      if (Files.exists(data) && Idx.looksLikeIdx(data)) {
        Path labelFile = labels != null ? labels : labelsFor(data);
        return checked(data, net, Idx.read(data, labelFile, net.outputSize(), type));
      }
      if (!Files.exists(data)) {
        throw new NoSuchFileException(data.toString());
      }
      CsvLayout layout = CsvLayout.values(net.inputSize(), 0).withHeader(header);
      return checked(data, net, Csv.read(data, layout, type));
    } catch (DatasetException | SafetensorsException e) {
      throw new UserException(e.getMessage());
    } catch (IOException e) {
      throw new UserException("cannot read '" + fileOf(e, data) + "': " + ModelFile.describe(e));
    }
  }

  /** The file {@code e} is about (a missing label file, say), else {@code data}. */
  private static String fileOf(IOException e, Path data) {
    return e instanceof FileSystemException f && f.getFile() != null ? f.getFile()
        : data.toString();
  }

  /** The number of comma-separated fields of the first data row (0 for an empty file). */
  private static int fieldsOfFirstRow(Path data, boolean header) throws IOException {
    try (java.io.BufferedReader r = Files.newBufferedReader(data, StandardCharsets.UTF_8)) {
      String line = r.readLine();
      if (header && line != null) {
        line = r.readLine();
      }
      return line == null ? 0 : line.split(",", -1).length;
    }
  }

  private static Dataset checked(Path data, Network net, Dataset dataset) {
    if (dataset.inputSize() != net.inputSize()) {
      throw new UserException("'" + data + "' has " + dataset.inputSize()
          + " inputs per example, but network '" + net.name() + "' takes "
          + (net.input() instanceof Shape.Image ? net.input().describe() + " = " : "")
          + net.inputSize());
    }
    if (dataset.count() == 0) {
      throw new UserException("'" + data + "' holds no examples");
    }
    return dataset;
  }

  /**
   * The label file next to an IDX image file, by MNIST naming: {@code train-images-idx3-ubyte.gz}
   * goes with {@code train-labels-idx1-ubyte.gz}.
   */
  static Path labelsFor(Path images) {
    String name = images.getFileName().toString();
    String labels = name.replace("images-idx3", "labels-idx1").replace("images.idx3", "labels.idx1");
    if (labels.equals(name)) {
      throw new UserException("cannot guess the label file for '" + images
          + "'; name it with --labels (or --test-labels)");
    }
    return images.resolveSibling(labels);
  }
}
