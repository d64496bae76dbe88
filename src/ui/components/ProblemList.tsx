import { Box, Text } from "ink";
import { formatProblem, type Problem } from "../../core/site.ts";
import { color, MARK } from "../theme.ts";

export type Props = {
  readonly title: string;
  readonly problems: readonly Problem[];
};

/** Problems that stop the run, each with its fix. */
export function ProblemList({ title, problems }: Props) {
  if (problems.length === 0) return null;
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Text bold color={color("bad")}>
        {title}
      </Text>
      {problems.map((p, i) => (
        <Text key={i} color={color("bad")}>
          {`  ${MARK.problem} ${formatProblem(p)}`}
        </Text>
      ))}
    </Box>
  );
}
