export { RecipeWakeHandler, type RecipeWakeHandlerOptions } from './recipe-wake-handler.js';
export { runHttpRecipe, type HttpRecipeOptions, type HttpWakeRecipe } from './run-http-recipe.js';
export { runCommandRecipe, type CommandRecipeOptions, type CommandWakeRecipe } from './run-command-recipe.js';
export { waitUntilAvailable, type AvailabilityPollOptions } from './wait-until-available.js';
export { localWakes, type LocalWakes } from './local-wakes.js';
