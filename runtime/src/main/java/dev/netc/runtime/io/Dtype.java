package dev.netc.runtime.io;

/**
 * The element types netc reads and writes in safetensors files, named as in the file header.
 * Declared in the order of safetensors' own dtype enum, which its writer uses (descending) to
 * place tensors in the data section.
 */
public enum Dtype {
  /** IEEE 754 single precision, 4 bytes little-endian ({@code torch.float32}). */
  F32(4),
  /** IEEE 754 double precision, 8 bytes little-endian ({@code torch.float64}). */
  F64(8);

  private final int size;

  Dtype(int size) {
    this.size = size;
  }

  /** Bytes per element. */
  public int size() {
    return size;
  }
}
