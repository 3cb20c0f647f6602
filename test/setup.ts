import { failOnConsoleError } from "./helpers/console";

failOnConsoleError();
