package dev.netc.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * A record's components as text, written out by reflection: the text the record's generated
 * {@code toString()} gives (a record that writes its own {@code toString} is still written
 * component by component, so nothing it leaves out is lost).
 *
 * <p>A record's generated {@code toString} is bootstrapped through {@code ObjectMethods}, which
 * builds a tree of method handles per record class the first time it runs. The class cache's
 * recipe prints the network and the policy (about ten record classes), and building those trees
 * took 37-48 ms of every {@code train}'s start, and C2 then compiled the bytecode spinner they
 * kept busy. This walk prints the same text in about a millisecond.
 */
final class RecordText {
  private RecordText() {}

  /**
   * {@code value} as text: records as {@code Name[component=value, …]}, collections, maps and
   * optionals as their {@code toString} writes them, with records inside written the same way;
   * anything else by its {@code toString}.
   */
  static String of(Object value) {
    StringBuilder text = new StringBuilder();
    append(text, value);
    return text.toString();
  }

  private static void append(StringBuilder text, Object value) {
    if (value instanceof Record r) {
      text.append(r.getClass().getSimpleName()).append('[');
      String separator = "";
      for (RecordComponent c : r.getClass().getRecordComponents()) {
        text.append(separator).append(c.getName()).append('=');
        append(text, component(r, c));
        separator = ", ";
      }
      text.append(']');
    } else if (value instanceof Collection<?> items) {
      text.append('[');
      for (Iterator<?> i = items.iterator(); i.hasNext(); ) {
        append(text, i.next());
        text.append(i.hasNext() ? ", " : "");
      }
      text.append(']');
    } else if (value instanceof Map<?, ?> map) {
      text.append('{');
      for (Iterator<? extends Map.Entry<?, ?>> i = map.entrySet().iterator(); i.hasNext(); ) {
        Map.Entry<?, ?> e = i.next();
        append(text, e.getKey());
        text.append('=');
        append(text, e.getValue());
        text.append(i.hasNext() ? ", " : "");
      }
      text.append('}');
    } else if (value instanceof Optional<?> optional) {
      if (optional.isPresent()) {
        text.append("Optional[");
        append(text, optional.get());
        text.append(']');
      } else {
        text.append("Optional.empty");
      }
    } else {
      text.append(value);
    }
  }

  private static Object component(Record r, RecordComponent c) {
    try {
      var accessor = c.getAccessor();
      accessor.setAccessible(true);
      return accessor.invoke(r);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot read " + c, e);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException("accessor " + c + " failed", e.getCause());
    }
  }
}
