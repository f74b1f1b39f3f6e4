package org.timetension.starter;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** DATABASE_URL in libpq form (postgresql://user:password@host:5432/database), turned into what JDBC wants. */
record DatabaseUrl(String jdbcUrl, String user, String password, String masked) {

    static final String EXAMPLE = "postgresql://user:password@localhost:5432/timetension";

    static DatabaseUrl parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw notPostgres();
        }
        if (uri.getHost() == null || !("postgresql".equals(uri.getScheme()) || "postgres".equals(uri.getScheme()))) {
            throw notPostgres();
        }
        String rawUser = null;
        String rawPassword = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            rawUser = parts[0];
            rawPassword = parts.length == 2 ? parts[1] : null;
        }
        String hostAndPort = uri.getHost() + ":" + (uri.getPort() < 0 ? 5432 : uri.getPort());
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String options = "connectTimeout=5&loginTimeout=5" + (uri.getRawQuery() == null ? "" : "&" + uri.getRawQuery());
        String shownUser = rawUser == null ? "" : rawUser + (rawPassword == null ? "" : ":***") + "@";
        return new DatabaseUrl(
                "jdbc:postgresql://" + hostAndPort + path + "?" + options,
                decode(rawUser),
                decode(rawPassword),
                uri.getScheme() + "://" + shownUser + hostAndPort + path);
    }

    private static IllegalArgumentException notPostgres() {
        return new IllegalArgumentException("DATABASE_URL is not a PostgreSQL URL such as " + EXAMPLE);
    }

    // URLDecoder is made for forms, where "+" means a space; in a URL's user info it is a plain "+".
    private static String decode(String text) {
        return text == null ? null : URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
