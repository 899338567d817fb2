package dev.netc.codegen;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Dead code and missing annotations in a generated source: a private method that nothing calls,
 * or a method of one of the class's interfaces declared without {@code @Override}.
 */
final class SourceChecks {
  /** A method declaration at class level (two spaces of indent): modifiers, name, parameters. */
  private static final Pattern DECLARATION = Pattern.compile(
      "^  ((?:public|private)(?: static)?(?: final)?) [\\w.<>\\[\\], ]+? (\\w+)\\(([^)]*)\\) \\{",
      Pattern.MULTILINE);

  private SourceChecks() {}

  /** The problems of {@code source}, whose class implements {@code type}'s interfaces. */
  static List<String> problems(String source, Class<?> type) {
    String flat = source.replaceAll("\\(\\n\\s+", "(").replaceAll(",\\n\\s+", ", ");
    List<String> problems = new ArrayList<>();
    Matcher m = DECLARATION.matcher(flat);
    while (m.find()) {
      String name = m.group(2);
      if (m.group(1).startsWith("private")) {
        int uses = count(flat, Pattern.compile("\\b" + name + "\\("));
        if (uses < 2) {
          problems.add(type.getSimpleName() + ": private method " + name + " is never called");
        }
      } else if (implementsInterfaceMethod(type, name, parameterTypes(m.group(3)))
          && !flat.substring(0, m.start()).stripTrailing().endsWith("@Override")) {
        problems.add(type.getSimpleName() + ": " + name + "(" + m.group(3)
            + ") implements an interface method without @Override");
      }
    }
    return problems;
  }

  private static int count(String text, Pattern p) {
    Matcher m = p.matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  /** The declared types of a parameter list such as {@code float[] xs, int n}. */
  private static List<String> parameterTypes(String params) {
    if (params.isBlank()) {
      return List.of();
    }
    return Arrays.stream(params.split(","))
        .map(String::trim)
        .map(p -> p.substring(0, p.lastIndexOf(' ')))
        .collect(Collectors.toList());
  }

  private static boolean implementsInterfaceMethod(Class<?> type, String name,
      List<String> params) {
    for (Class<?> i : type.getInterfaces()) {
      for (Method method : i.getMethods()) {
        if (method.getName().equals(name) && !Modifier.isStatic(method.getModifiers())
            && Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName)
                .collect(Collectors.toList()).equals(params)) {
          return true;
        }
      }
    }
    return false;
  }
}
