package io.clustermesh.samples.meshctl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** -h and --help on every command, and docs/cli.md listing exactly the commands meshctl has. */
class HelpTest {
    private static final Path CLI_DOC = Path.of("..", "docs", "cli.md");

    /** Every command and subcommand as picocli knows them (the CLI's own tree, not a copy of it): "plan", "lab up". */
    static List<String> commands() {
        PrintStream sink = new PrintStream(PrintStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        return LabCommand.qualifiedNames(new CommandLine(new Meshctl(sink, sink)));
    }

    @Test
    void theCommandListIsNotEmpty() {
        assertThat(commands()).contains("plan", "apply", "status", "services", "bench", "demo", "help", "lab", "lab up");
    }

    @ParameterizedTest(name = "meshctl {0} --help")
    @MethodSource("commands")
    void longHelpPrintsTheCommandsUsage(String command) {
        MeshctlTest.Run r = MeshctlTest.run(withArg(command, "--help"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Usage: meshctl " + command);
        assertThat(r.err()).doesNotContain("Unknown option");
    }

    @ParameterizedTest(name = "meshctl {0} -h")
    @MethodSource("commands")
    void shortHelpPrintsTheCommandsUsage(String command) {
        MeshctlTest.Run r = MeshctlTest.run(withArg(command, "-h"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Usage: meshctl " + command);
    }

    private static String[] withArg(String command, String arg) {
        return (command + " " + arg).split(" ");
    }

    @Test
    void helpIsShownBeforeAnyOptionIsChecked() {
        MeshctlTest.Run r = MeshctlTest.run("plan", "--spec", "/dev/zero", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Usage: meshctl plan").contains("--values-dir");
    }

    @Test
    void docsListEveryCommandAndNoOther() throws Exception {
        Set<String> documented = documentedCommands(Files.readString(CLI_DOC));
        assertThat(documented).as("commands in the table of docs/cli.md").containsExactlyInAnyOrderElementsOf(new TreeSet<>(commands()));
    }

    /** The first cell of every row of the command table: {@code | `apply` / `connect` | ...}. */
    static Set<String> documentedCommands(String markdown) {
        Set<String> out = new TreeSet<>();
        boolean inTable = false;
        for (String line : markdown.split("\n")) {
            if (line.startsWith("| command |")) {
                inTable = true;
                continue;
            }
            if (inTable && !line.startsWith("|")) {
                break;
            }
            if (inTable && !line.startsWith("|---")) {
                String first = line.split("\\|")[1];
                Matcher m = Pattern.compile("`([a-z][a-z-]*(?: [a-z][a-z-]*)*)").matcher(first);
                while (m.find()) {
                    // "lab up" documents the command group "lab" as well
                    String[] words = m.group(1).split(" ");
                    for (int i = 1; i <= words.length; i++) {
                        out.add(String.join(" ", java.util.Arrays.copyOf(words, i)));
                    }
                }
            }
        }
        return out;
    }

    @Test
    void theDocParserReadsTheFirstCellOnly() {
        String md = "intro `x`\n\n| command | what |\n|---|---|\n| `a` / `b` | uses `c` |\n| `d CLUSTER` | |\n| `f g --n N` | |\n\nafter `e`\n";
        assertThat(documentedCommands(md)).containsExactly("a", "b", "d", "f", "f g");
    }
}
