package dev.netc.codegen;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A minimal class-file reader (JVMS §4) that finds each method's {@code Code} length, so tests can
 * check generated methods against HotSpot's 8000-byte {@code HugeMethodLimit}.
 */
final class ClassFiles {
  /** HotSpot never JIT-compiles a method whose bytecode is longer than this. */
  static final int HUGE_METHOD_LIMIT = 8000;

  private ClassFiles() {}

  /** Bytecode length of every method with code, keyed by name and descriptor. */
  static Map<String, Integer> codeLengths(byte[] classFile) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile))) {
      if (in.readInt() != 0xCAFEBABE) {
        throw new IllegalArgumentException("not a class file");
      }
      in.readUnsignedShort(); // minor
      in.readUnsignedShort(); // major
      int count = in.readUnsignedShort();
      String[] utf8 = new String[count];
      for (int i = 1; i < count; i++) {
        int tag = in.readUnsignedByte();
        switch (tag) {
          case 1 -> utf8[i] = in.readUTF();
          case 3, 4 -> in.readInt();
          case 5, 6 -> {
            in.readLong();
            i++; // longs and doubles take two slots
          }
          case 7, 8, 16, 19, 20 -> in.readUnsignedShort();
          case 9, 10, 11, 12, 17, 18 -> in.readInt();
          case 15 -> {
            in.readUnsignedByte();
            in.readUnsignedShort();
          }
          default -> throw new IllegalArgumentException("unknown constant tag " + tag);
        }
      }
      in.readUnsignedShort(); // access
      in.readUnsignedShort(); // this
      in.readUnsignedShort(); // super
      in.skipBytes(2 * in.readUnsignedShort()); // interfaces
      int fields = in.readUnsignedShort();
      for (int f = 0; f < fields; f++) {
        in.skipBytes(6);
        skipAttributes(in);
      }
      Map<String, Integer> lengths = new LinkedHashMap<>();
      int methods = in.readUnsignedShort();
      for (int m = 0; m < methods; m++) {
        in.readUnsignedShort(); // access
        String name = utf8[in.readUnsignedShort()];
        String descriptor = utf8[in.readUnsignedShort()];
        int attributes = in.readUnsignedShort();
        for (int a = 0; a < attributes; a++) {
          String attr = utf8[in.readUnsignedShort()];
          int length = in.readInt();
          if (attr.equals("Code")) {
            in.readUnsignedShort(); // max_stack
            in.readUnsignedShort(); // max_locals
            int codeLength = in.readInt();
            lengths.put(name + descriptor, codeLength);
            in.skipBytes(length - 8);
          } else {
            in.skipBytes(length);
          }
        }
      }
      return lengths;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The longest method of every class in {@code compiled}, with its name, as "Class.method". */
  static Map.Entry<String, Integer> longestMethod(InMemoryCompiler.Compiled compiled) {
    Map.Entry<String, Integer> worst = Map.entry("none", 0);
    for (Map.Entry<String, byte[]> c : compiled.classFiles().entrySet()) {
      for (Map.Entry<String, Integer> m : codeLengths(c.getValue()).entrySet()) {
        if (m.getValue() > worst.getValue()) {
          worst = Map.entry(c.getKey() + "." + m.getKey(), m.getValue());
        }
      }
    }
    return worst;
  }

  private static void skipAttributes(DataInputStream in) throws IOException {
    int n = in.readUnsignedShort();
    for (int a = 0; a < n; a++) {
      in.readUnsignedShort();
      in.skipBytes(in.readInt());
    }
  }
}
