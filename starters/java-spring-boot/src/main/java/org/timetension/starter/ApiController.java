package org.timetension.starter;

import java.util.Map;

import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

@RestController
class ApiController {

    private final JdbcTemplate jdbc;

    ApiController(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @GetMapping("/health")
    Map<String, String> health() {
        try {
            jdbc.queryForObject("SELECT 1", Integer.class);
        } catch (DataAccessException e) {
            // ProblemHandler turns this into a 503 application/problem+json answer.
            throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "The database does not answer.", e);
        }
        return Map.of("status", "ok");
    }

    /*
     * LEVEL 1 STARTS HERE: add POST /users below, a @PostMapping("/users") method, then the rest of level 1.
     * The contract is spec/openapi.yaml (operation registerUser, and the rules in info.description);
     * `timetension levels` lists what each level checks.
     */
}
