// The build generated both networks into their folders, compiled the app and ran the training test.
def main = new File(basedir, 'target/generated-sources/netc/com/example/Xor.java')
def test = new File(basedir, 'target/generated-test-sources/netc/com/example/testnets/Probe.java')
assert main.isFile() : "missing $main"
assert test.isFile() : "missing $test"
assert new File(basedir, 'target/classes/com/example/Xor.class').isFile()
def log = new File(basedir, 'build.log').text
assert log.contains('Tests run: 2, Failures: 0, Errors: 0, Skipped: 0')
assert !main.text.contains(basedir.path) : 'generated code must not embed machine paths'
return true
