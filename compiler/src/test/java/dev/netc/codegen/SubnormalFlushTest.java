package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.netc.ir.Precision;
import java.lang.reflect.Method;
import java.util.List;
import java.util.SplittableRandom;
import javax.lang.model.element.Modifier;
import org.junit.jupiter.api.Test;

/**
 * The branch-free flush of optimizer state that generated scalar code runs ({@link
 * Precision#flushStatement}) does exactly what the interpreter's {@link
 * Precision#flushSubnormal} does: zero for every subnormal (and zero) value, the value itself
 * otherwise, NaN for NaN. Float: every float whose exponent field is at most 4 (the subnormals,
 * the smallest normals and the boundary), both signs, and every 97th float beyond; double: the
 * same neighbourhood sampled, random bit patterns and the special values; the vector form on the
 * same floats as the scalar one.
 */
class SubnormalFlushTest {

  @Test
  void floatFlushMatchesTheRuleOnEveryFloatNearTheBoundaryAndASampleBeyond() throws Exception {
    assertNoMismatches(compiled().getMethod("floatMismatches", int.class, int.class, int.class));
  }

  /** The Vector API form ({@link Precision#vectorFlushStatement}) on the same floats. */
  @Test
  void vectorFlushMatchesTheRuleOnTheSameFloats() throws Exception {
    assertNoMismatches(compiled().getMethod("vectorMismatches", int.class, int.class, int.class));
  }

  /**
   * {@code mismatches(from, to, step)} finds none on every float with an exponent field of at
   * most 4, either sign, nor on every 97th float beyond.
   */
  private static void assertNoMismatches(Method mismatches) throws Exception {
    int nearEnd = 5 << 23; // exponent fields 0..4
    assertEquals(0L, mismatches.invoke(null, 0, nearEnd, 1));
    assertEquals(0L, mismatches.invoke(null, Integer.MIN_VALUE, Integer.MIN_VALUE + nearEnd, 1));
    assertEquals(0L, mismatches.invoke(null, nearEnd, Integer.MAX_VALUE - 97, 97));
    assertEquals(0L, mismatches.invoke(null, Integer.MIN_VALUE + nearEnd, -97, 97));
  }

  @Test
  void doubleFlushMatchesTheRuleNearTheBoundaryOnRandomBitsAndSpecialValues() throws Exception {
    Method flush = compiled().getMethod("flushDouble", double.class);
    SplittableRandom rnd = new SplittableRandom(7);
    double[] special = {0.0, -0.0, Double.MIN_VALUE, Double.MIN_NORMAL,
        Math.nextDown(Double.MIN_NORMAL), Math.nextUp(Double.MIN_NORMAL), 2 * Double.MIN_NORMAL,
        Math.nextUp(2 * Double.MIN_NORMAL), -Double.MIN_NORMAL, 1.0, Double.MAX_VALUE,
        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN};
    for (int i = 0; i < 400_000; i++) {
      double x = i < special.length ? special[i]
          : Double.longBitsToDouble(i % 2 == 0 ? rnd.nextLong()
              : rnd.nextLong() & 0x803fffffffffffffL); // exponent fields 0..3
      double want = Precision.DOUBLE.flushSubnormal(x);
      double got = (double) flush.invoke(null, x);
      assertEquals(Double.isNaN(want) ? Double.NaN : want + 0.0, got + 0.0, "flush(" + x + ")");
    }
  }

  /** A class with the generated flush statements in a float and a double method. */
  private static Class<?> compiled() {
    MethodSpec flushFloat = MethodSpec.methodBuilder("flushFloat")
        .addModifiers(Modifier.PUBLIC, Modifier.STATIC).returns(TypeName.FLOAT)
        .addParameter(TypeName.FLOAT, "x")
        .addStatement("$L", Precision.FLOAT.flushStatement("x"))
        .addStatement("return x").build();
    MethodSpec flushDouble = MethodSpec.methodBuilder("flushDouble")
        .addModifiers(Modifier.PUBLIC, Modifier.STATIC).returns(TypeName.DOUBLE)
        .addParameter(TypeName.DOUBLE, "x")
        .addStatement("$L", Precision.DOUBLE.flushStatement("x"))
        .addStatement("return x").build();
    // Float bit patterns from, to (exclusive), every step-th: how many the flush gets wrong.
    MethodSpec floatMismatches = MethodSpec.methodBuilder("floatMismatches")
        .addModifiers(Modifier.PUBLIC, Modifier.STATIC).returns(TypeName.LONG)
        .addParameter(TypeName.INT, "from").addParameter(TypeName.INT, "to")
        .addParameter(TypeName.INT, "step")
        .addStatement("long bad = 0")
        .beginControlFlow("for (long bits = from; bits < to; bits += step)")
        .addStatement("float x = Float.intBitsToFloat((int) bits)")
        .addStatement("float want = Math.abs(x) < Float.MIN_NORMAL ? 0f : x")
        .addStatement("float got = flushFloat(x)")
        .beginControlFlow("if (Float.isNaN(x) ? !Float.isNaN(got) : got != want)")
        .addStatement("bad++")
        .endControlFlow()
        .endControlFlow()
        .addStatement("return bad").build();
    // The same through FloatVector, a vector of consecutive patterns at a time.
    ClassName fv = ClassName.get("jdk.incubator.vector", "FloatVector");
    MethodSpec vectorMismatches = MethodSpec.methodBuilder("vectorMismatches")
        .addModifiers(Modifier.PUBLIC, Modifier.STATIC).returns(TypeName.LONG)
        .addParameter(TypeName.INT, "from").addParameter(TypeName.INT, "to")
        .addParameter(TypeName.INT, "step")
        .addStatement("int lanes = $T.SPECIES_PREFERRED.length()", fv)
        .addStatement("float[] in = new float[lanes]")
        .addStatement("float[] out = new float[lanes]")
        .addStatement("long bad = 0")
        .beginControlFlow("for (long bits = from; bits < to; bits += (long) step * lanes)")
        .beginControlFlow("for (int l = 0; l < lanes; l++)")
        .addStatement("in[l] = Float.intBitsToFloat((int) Math.min(to, bits + (long) step * l))")
        .endControlFlow()
        .addStatement("$T v = $T.fromArray($T.SPECIES_PREFERRED, in, 0)", fv, fv, fv)
        .addStatement("$L", Precision.FLOAT.vectorFlushStatement("v"))
        .addStatement("v.intoArray(out, 0)")
        .beginControlFlow("for (int l = 0; l < lanes; l++)")
        .addStatement("float want = Math.abs(in[l]) < Float.MIN_NORMAL ? 0f : in[l]")
        .beginControlFlow("if (Float.isNaN(in[l]) ? !Float.isNaN(out[l]) : out[l] != want)")
        .addStatement("bad++")
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .addStatement("return bad").build();
    TypeSpec type = TypeSpec.classBuilder("Flush").addModifiers(Modifier.PUBLIC)
        .addMethods(List.of(flushFloat, flushDouble, floatMismatches, vectorMismatches)).build();
    return InMemoryCompiler.compile(List.of(JavaFile.builder("gen.flush", type).build()))
        .load("gen.flush.Flush");
  }
}
