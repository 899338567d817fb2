// Skipped: the broken file was not even read, nothing was generated, no source root was added.
def log = new File(basedir, 'build.log').text
assert log.contains('netc: skipped')
assert log.contains('BUILD SUCCESS')
assert !new File(basedir, 'target/generated-sources/netc').exists()
assert !new File(basedir, 'target/netc-state').exists()
return true
