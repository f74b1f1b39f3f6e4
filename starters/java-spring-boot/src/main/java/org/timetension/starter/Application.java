package org.timetension.starter;

import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;

import sun.misc.Signal;

@SpringBootApplication
public class Application {

    public static void main(String[] args) {
        DatabaseUrl database = reachableDatabase(System.getenv("DATABASE_URL"));

        Map<String, Object> datasource = new HashMap<>();
        datasource.put("spring.datasource.url", database.jdbcUrl());
        if (database.user() != null) {
            datasource.put("spring.datasource.username", database.user());
        }
        if (database.password() != null) {
            datasource.put("spring.datasource.password", database.password());
        }
        SpringApplication application = new SpringApplication(Application.class);
        application.setDefaultProperties(datasource);
        ConfigurableApplicationContext context = application.run(args);

        // The JVM ends with status 143 on SIGTERM. Closing Spring here instead (a graceful shutdown that also
        // closes the connection pool) lets a clean stop end with status 0.
        Signal.handle(new Signal("TERM"), signal -> System.exit(SpringApplication.exit(context)));
    }

    /** Connects once before anything starts, so a wrong DATABASE_URL is one clear line, not a stack trace. */
    private static DatabaseUrl reachableDatabase(String url) {
        if (url == null || url.isBlank()) {
            exit("DATABASE_URL is not set: give a PostgreSQL URL such as " + DatabaseUrl.EXAMPLE);
        }
        DatabaseUrl database = null;
        try {
            database = DatabaseUrl.parse(url);
        } catch (IllegalArgumentException e) {
            exit(e.getMessage());
        }
        Properties credentials = new Properties();
        if (database.user() != null) {
            credentials.setProperty("user", database.user());
        }
        if (database.password() != null) {
            credentials.setProperty("password", database.password());
        }
        try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), credentials)) {
            return database;
        } catch (SQLException e) {
            exit("cannot reach the database at " + database.masked() + ": " + reason(e));
            return null;
        }
    }

    private static String reason(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = String.valueOf(cause.getMessage()).lines().findFirst().orElse("");
        return cause instanceof UnknownHostException ? "unknown host " + message : message;
    }

    private static void exit(String message) {
        System.err.println(message);
        System.exit(1);
    }
}
