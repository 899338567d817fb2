// The second build must find everything up to date: generated sources and class files keep their
// bytes and timestamps (sources were backdated after the first build), nothing is recompiled.
import java.security.MessageDigest

def lines = new File(basedir, 'target/first-build.txt').readLines()
assert lines.size() >= 4 : "expected Tiny/Other sources and classes, got $lines"
assert lines.any { it.contains('generated-sources/netc/com/example/Tiny.java') }
lines.each { line ->
  def (path, hash, millis) = line.split('\t')
  def f = new File(basedir, path)
  assert f.isFile() : "$path was deleted"
  assert f.lastModified() == millis as long : "$path was rewritten by the second build"
  def now = MessageDigest.getInstance('SHA-256').digest(f.bytes).encodeHex().toString()
  assert now == hash : "$path changed"
}
def log = new File(basedir, 'build.log').text
assert log.contains('1 compiled, 2 source(s) written, 0 removed') : 'first build generated'
assert log.contains('0 compiled, 0 source(s) written, 0 removed') : 'second build compiled nothing'
assert log.contains('Nothing to compile - all classes are up to date')
return true
