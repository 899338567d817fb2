package dev.netc.runtime.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void parsesEveryValueKind() throws Exception {
    Object v = Json.parse(
        " {\"a\":[1,-2,3.5,1e2,true,false,null],\"b\":\"x\\ty\\u00e9\\ud83d\\ude00\"} ");
    Map<?, ?> m = (Map<?, ?>) v;
    assertEquals(List.of(1L, -2L, 3.5, 100.0, true, false, Json.NULL), m.get("a"));
    assertEquals("x\tyé\uD83D\uDE00", m.get("b"));
  }

  @Test
  void rejectsWhatRfc8259Rejects() {
    for (String bad : new String[] {"", "{", "{\"a\"}", "{\"a\":1,}", "[1,]", "01", "1.", ".5",
        "+1", "\"\\x\"", "\"a\nb\"", "tru", "{'a':1}", "NaN", "[1 2]", "{\"a\":1}}", "\"\\u12\""}) {
      assertThrows(Json.JsonException.class, () -> Json.parse(bad), bad);
    }
  }

  @Test
  void writesCompactJsonEscapedLikeSerdeJson() throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("k\"\\\n\u0001", List.of(1L, 2L));
    m.put("é", "v");
    String text = Json.write(m);
    assertEquals("{\"k\\\"\\\\\\n\\u0001\":[1,2],\"é\":\"v\"}", text);
    assertEquals(m, Json.parse(text));
  }
}
