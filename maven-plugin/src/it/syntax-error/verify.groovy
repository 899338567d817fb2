// Every error of every file is logged as FILE:LINE:COL: error: ..., then one failure line, and no
// stack trace: a broken .net file is a user mistake, not a crash.
def log = new File(basedir, 'build.log').text
def bad = new File(basedir, 'src/main/netc/demo/bad.net').path
def broken = new File(basedir, 'src/main/netc/demo/broken.net').path
assert log.contains("[ERROR] ${bad}:3:11: error: unknown activation 'relu6'") : 'bad.net:3:11'
assert log.contains("[ERROR] ${broken}:5:25: error: expected ',' or ')' after '0.1', found '}'")
assert log.contains('  dense 8 relu6\n            ^^^^^') : 'source line and caret'
assert log =~ /netc found 2 errors/
assert !(log =~ /\tat dev\.netc\./) : 'no stack trace for a user mistake'
assert !log.contains('MojoExecutionException')
return true
