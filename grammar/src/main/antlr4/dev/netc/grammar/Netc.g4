/*
 * The .net language: one or more networks, each a list of statements. The grammar is deliberately
 * permissive (any identifier as an activation, loss, optimizer or init name; any `name = value`
 * option list) so that the checker, not the parser, rejects unknown words with a "did you mean"
 * hint. No actions: the compiler walks the tree with the generated visitor.
 */
grammar Netc;

file
  : network* EOF
  ;

network
  : NETWORK name=ident LBRACE statement* RBRACE
  ;

statement
  : INPUT (size=number | dims=dimensions)                            # inputStatement
  | DENSE size=number activation=IDENT arguments? (AS name=ident)?   # denseStatement
  | CONV2D channels=number kernel=dimensions options=arguments?
      activation=IDENT activationOptions=arguments? (AS name=ident)? # conv2dStatement
  | kind=(MAXPOOL | AVGPOOL) kernel=dimensions arguments? (AS name=ident)? # poolStatement
  | FLATTEN (AS name=ident)?                                         # flattenStatement
  | LOSS callee=IDENT arguments?                                     # lossStatement
  | OPTIMIZER callee=IDENT arguments?                                # optimizerStatement
  | INIT callee=IDENT? arguments?                                    # initStatement
  | PRECISION kind=IDENT                                             # precisionStatement
  ;

arguments
  : LPAREN (argument (COMMA argument)*)? RPAREN
  ;

argument
  : (key=IDENT ASSIGN)? value
  ;

value
  : number   # numberValue
  | IDENT    # wordValue
  ;

number
  : sign=(PLUS | MINUS)? NUMBER
  ;

// Sizes written with `x`: `1x28x28` (an image input), `3x3` (a kernel). A sign is accepted so that
// the checker can say that a size must be positive.
dimensions
  : sign=(PLUS | MINUS)? DIMENSIONS
  ;

// A name the user chooses. BAD_NAME is accepted here so that the checker can say why it is not a
// valid Java identifier instead of the parser reporting an odd token.
ident
  : IDENT
  | BAD_NAME
  ;

NETWORK   : 'network' ;
INPUT     : 'input' ;
DENSE     : 'dense' ;
AS        : 'as' ;
LOSS      : 'loss' ;
OPTIMIZER : 'optimizer' ;
INIT      : 'init' ;
PRECISION : 'precision' ;
CONV2D    : 'conv2d' ;
MAXPOOL   : 'maxpool' ;
AVGPOOL   : 'avgpool' ;
FLATTEN   : 'flatten' ;

LBRACE : '{' ;
RBRACE : '}' ;
LPAREN : '(' ;
RPAREN : ')' ;
COMMA  : ',' ;
ASSIGN : '=' ;
PLUS   : '+' ;
MINUS  : '-' ;
// Not part of the language; a token of its own so the parser can say "no separator needed".
SEMI   : ';' ;

NUMBER
  : DIGITS ('.' DIGITS?)? EXPONENT?
  | '.' DIGITS EXPONENT?
  ;

// Defined before BAD_NAME, which matches `3x3` just as long: the earlier rule wins a tie.
DIMENSIONS
  : DIGITS ('x' DIGITS)+
  ;

IDENT
  : NAME_START NAME_PART*
  ;

// Starts with digits, e.g. `2nd`; NUMBER wins ties such as `1e5` because it is defined first.
BAD_NAME
  : DIGITS NAME_START NAME_PART*
  ;

LINE_COMMENT
  : '//' ~[\r\n]* -> skip
  ;

// Kept on the hidden channel so the front end can report one that reaches the end of the file.
BLOCK_COMMENT
  : '/*' .*? ('*/' | EOF) -> channel(HIDDEN)
  ;

WS
  : [ \t\r\n\f\uFEFF]+ -> skip
  ;

fragment DIGITS     : [0-9]+ ;
fragment EXPONENT   : [eE] [+-]? DIGITS ;
fragment NAME_START : [\p{L}\p{Nl}\p{Sc}\p{Pc}] ;
fragment NAME_PART  : [\p{L}\p{N}\p{Mn}\p{Mc}\p{Sc}\p{Pc}] ;
