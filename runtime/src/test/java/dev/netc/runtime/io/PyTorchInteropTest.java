package dev.netc.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks files against the real {@code safetensors.torch}, when /usr/bin/python3 has torch and
 * safetensors (Debian packages torch as python3-torch; safetensors may be missing). Skipped
 * otherwise; the hand-built byte layouts in {@link SafetensorsTest} cover the format then.
 */
class PyTorchInteropTest {

  private static final String PYTHON = "/usr/bin/python3";

  @TempDir Path dir;

  private static Boolean available;

  /** Checked before each test (and probed once) so that skipped tests are counted as such. */
  @BeforeEach
  void requirePython() throws Exception {
    if (available == null) {
      available = Files.isExecutable(Path.of(PYTHON))
          && run(List.of(PYTHON, "-c", "import torch, safetensors.torch")).exit == 0;
    }
    assumeTrue(available, PYTHON + " lacks torch or safetensors");
  }

  private record Result(int exit, String out) {}

  private static Result run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("python timed out");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  private String python(String script) throws Exception {
    Path file = dir.resolve("script.py");
    Files.writeString(file, script);
    Result r = run(List.of(PYTHON, file.toString()));
    assertEquals(0, r.exit, r.out);
    return r.out.strip();
  }

  @Test
  void readsWhatPyTorchSaves() throws Exception {
    Path file = dir.resolve("torch.safetensors");
    String printed = python("import torch\n"
        + "from safetensors.torch import save_file\n"
        + "torch.manual_seed(0)\n"
        + "layer = torch.nn.Linear(3, 2)\n"
        + "t = {'dense1.weight': layer.weight.detach(), 'dense1.bias': layer.bias.detach(),\n"
        + "     'loss': torch.tensor(0.125, dtype=torch.float64)}\n"
        + "save_file(t, '" + file + "')\n"
        + "print(' '.join(repr(float(v)) for v in layer.weight.detach().flatten()))\n");
    Map<String, Tensor> t = Safetensors.read(file);
    assertArrayEquals(new int[] {2, 3}, t.get("dense1.weight").shape());
    assertArrayEquals(new int[] {2}, t.get("dense1.bias").shape());
    assertEquals(Dtype.F32, t.get("dense1.weight").dtype());
    assertEquals(0, t.get("loss").rank());
    assertEquals(0.125, t.get("loss").get(0));
    String[] values = printed.split(" ");
    for (int i = 0; i < 6; i++) {
      assertEquals(Double.parseDouble(values[i]), t.get("dense1.weight").get(i));
    }
    // Our own writer reproduces PyTorch's file byte for byte.
    assertArrayEquals(Files.readAllBytes(file), Safetensors.encode(t, Map.of()));
  }

  @Test
  void pyTorchLoadsWhatWeWrite() throws Exception {
    Path file = dir.resolve("netc.safetensors");
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("dense1.weight", Tensor.ofFloats(new int[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6.5f}));
    m.put("dense1.bias", Tensor.ofDoubles(new int[] {2}, new double[] {Math.PI, -Math.E}));
    m.put("loss", Tensor.scalar(Dtype.F32, 0.5));
    Safetensors.write(file, m, Map.of("format", "pt"));
    String out = python("from safetensors.torch import load_file\n"
        + "from safetensors import safe_open\n"
        + "t = load_file('" + file + "')\n"
        + "w, b, l = t['dense1.weight'], t['dense1.bias'], t['loss']\n"
        + "with safe_open('" + file + "', framework='pt') as f:\n"
        + "    meta = f.metadata()\n"
        + "print(list(w.shape), str(w.dtype), w.flatten().tolist(), list(b.shape), str(b.dtype),"
        + " repr(b[0].item()), list(l.shape), l.item(), meta)\n");
    assertEquals("[2, 3] torch.float32 [1.0, 2.0, 3.0, 4.0, 5.0, 6.5] [2] torch.float64 "
        + Math.PI + " [] 0.5 {'format': 'pt'}", out);
  }

  @Test
  void writesLikeSafetensorsForAllShapes() throws Exception {
    Path ours = dir.resolve("ours.safetensors");
    Path theirs = dir.resolve("theirs.safetensors");
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("b", Tensor.ofFloats(new int[] {1, 1, 3}, new float[] {1, 2, 3}));
    m.put("a", Tensor.ofDoubles(new int[] {2}, new double[] {0.25, 0.5}));
    m.put("c.x", Tensor.ofFloats(new int[] {0}, new float[0]));
    Safetensors.write(ours, m);
    python("from safetensors.torch import load_file, save_file\n"
        + "save_file(load_file('" + ours + "'), '" + theirs + "')\n");
    assertArrayEquals(Files.readAllBytes(theirs), Files.readAllBytes(ours));
  }
}
